import { z } from "zod";
import { CursorSchema, LimitSchema, pageSchema } from "../../lib/pagination.ts";
import { UNITS } from "./units.ts";

export const MAX_MINUTES = 2_880;
export const SORTS = ["newest", "oldest", "rating", "relevance"] as const;
export type Sort = (typeof SORTS)[number];

const Servings = z.coerce.number().int().min(1).max(100);
const Minutes = z.number().int().min(0).max(MAX_MINUTES);
const Visibility = z.enum(["public", "private"]);

export const TagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a slug: letters, digits and single hyphens");

export const IngredientBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    quantity: z
      .number()
      .positive()
      .max(1_000_000)
      .nullable()
      .default(null)
      .describe("null for 'to taste'"),
    unit: z.enum(UNITS).nullable().default(null),
    note: z.string().trim().max(500).nullable().default(null),
  })
  .meta({ id: "IngredientLine", description: "One ingredient of a recipe being written" });

const Fields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(5_000),
  servings: z.number().int().min(1).max(100),
  prepMinutes: Minutes,
  cookMinutes: Minutes,
  visibility: Visibility,
  ingredients: z.array(IngredientBody).max(100),
  steps: z.array(z.string().trim().min(1).max(2_000)).max(100),
  tags: z
    .array(TagSchema)
    .max(20)
    .transform((tags) => [...new Set(tags)]),
};

export const CreateRecipeBody = z
  .object({
    ...Fields,
    description: Fields.description.default(""),
    prepMinutes: Minutes.default(0),
    cookMinutes: Minutes.default(0),
    visibility: Visibility.default("public"),
    steps: Fields.steps.default([]),
    tags: Fields.tags.default([]),
  })
  .meta({
    id: "CreateRecipe",
    description: "A new recipe; omitted lists are empty, omitted times zero",
    example: {
      title: "Pancakes",
      description: "Thin, for a Sunday.",
      servings: 4,
      prepMinutes: 10,
      cookMinutes: 20,
      visibility: "public",
      ingredients: [
        { name: "flour", quantity: 250, unit: "g", note: null },
        { name: "milk", quantity: 500, unit: "ml", note: null },
        { name: "salt", quantity: null, unit: null, note: "a pinch" },
      ],
      steps: ["Whisk everything together.", "Fry thin, one ladle at a time."],
      tags: ["breakfast", "quick"],
    },
  });
export type CreateRecipeInput = z.output<typeof CreateRecipeBody>;

export const UpdateRecipeBody = z
  .object(Fields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, "send at least one field")
  .meta({
    id: "UpdateRecipe",
    description: "The fields to change, at least one; a list sent replaces the whole list",
    example: { title: "Crêpes", servings: 6 },
  });
export type UpdateRecipeInput = z.output<typeof UpdateRecipeBody>;

export const RecipeParams = z.object({ id: z.uuid() });
export const GetRecipeQuery = z.object({
  servings: Servings.optional().describe("Scale quantities to this many servings"),
});

const AuthorSchema = z.object({ id: z.uuid(), name: z.string() }).meta({ id: "Author" });
const RatingSummarySchema = z
  .object({
    average: z.number().nullable().describe("null until someone rates"),
    count: z.number().int(),
  })
  .meta({ id: "RatingSummary" });
export const IngredientSchema = z
  .object({
    name: z.string(),
    quantity: z.number().nullable(),
    unit: z.enum(UNITS).nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: "Ingredient" });

const Common = {
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  servings: z.number().int(),
  prepMinutes: z.number().int(),
  cookMinutes: z.number().int(),
  totalMinutes: z.number().int(),
  visibility: Visibility,
  author: AuthorSchema,
  tags: z.array(z.string()),
  rating: RatingSummarySchema,
  favorited: z.boolean(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
};

export const RecipeSchema = z
  .object({
    ...Common,
    ingredients: z.array(IngredientSchema),
    steps: z.array(z.string()),
  })
  .meta({ id: "Recipe" });
export type Recipe = z.infer<typeof RecipeSchema>;

export const RecipeSummarySchema = z
  .object({ ...Common, ingredientCount: z.number().int() })
  .meta({ id: "RecipeSummary", description: "A recipe in a list: without ingredients and steps" });
export type RecipeSummary = z.infer<typeof RecipeSummarySchema>;
export const RecipeSummaryPageSchema = pageSchema(RecipeSummarySchema);

const repeatable = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((value) => (typeof value === "string" ? [value] : value), z.array(item).max(max));

export const ListRecipesQuery = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .describe("Full-text search over title, description, ingredients"),
  tag: repeatable(TagSchema, 10).optional().describe("Repeatable; every tag must match"),
  ingredient: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe("An ingredient name contains these words"),
  maxTotalMinutes: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 * MAX_MINUTES)
    .optional(),
  author: z
    .union([z.literal("me"), z.uuid()])
    .optional()
    .describe("`me` or a user id"),
  visibility: Visibility.optional(),
  sort: z.enum(SORTS).default("newest").describe("`relevance` needs `q`"),
  limit: LimitSchema,
  cursor: CursorSchema,
});
export type ListRecipesQuery = z.output<typeof ListRecipesQuery>;
