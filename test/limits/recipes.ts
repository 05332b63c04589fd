// "€" is one UTF-16 code unit (what the length limits count) and three bytes of UTF-8 that JSON
// sends unescaped: a field full of it is as large as a plausible value of that field gets.
const wide = (length: number) => "€".repeat(length);

/** Twenty distinct 40-character tags, the most a recipe takes. */
export const LARGEST_TAGS = Array.from(
  { length: 20 },
  (_, i) => `${"t".repeat(37)}-${String(i).padStart(2, "0")}`,
);

/** A recipe with every field at its largest allowed size (see recipes.schema.ts). */
export function largestRecipe(overrides: Record<string, unknown> = {}) {
  return {
    title: wide(200),
    description: wide(5_000),
    servings: 100,
    prepMinutes: 2_880,
    cookMinutes: 2_880,
    visibility: "public",
    ingredients: Array.from({ length: 100 }, () => ({
      name: wide(200),
      quantity: 999_999.99,
      unit: "fl_oz",
      note: wide(500),
    })),
    steps: Array.from({ length: 100 }, () => wide(2_000)),
    tags: LARGEST_TAGS,
    ...overrides,
  };
}

/** Every field a list page shows at its largest; ingredients and steps (not listed) kept short. */
export function largestListedRecipe(overrides: Record<string, unknown> = {}) {
  return largestRecipe({
    ingredients: [{ name: "Salt", quantity: null, unit: null }],
    steps: [],
    ...overrides,
  });
}

/** The longest display name an account may have. */
export const LARGEST_NAME = wide(100);
