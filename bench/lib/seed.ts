import { createRandom, type Random } from "./prng.ts";
import { ADJECTIVES, DISHES, INGREDIENTS, MAINS, TAGS, UNITS, VERBS } from "./words.ts";

export { SEARCH_TERMS } from "./words.ts";

/** Runs one parameterized statement; PostgreSQL (postgres.js) and PGlite each provide one. */
export type Exec = (text: string, params: unknown[]) => Promise<unknown>;

export const SEED = 20_261_126;
export const BENCH_PASSWORD = "bench-password-correct-horse";
export const COUNTS = { users: 1_000, recipes: 20_000, ingredients: 8, steps: 6, tags: 3 };
const RATINGS_PER_RECIPE = 2;
const FAVORITES = 20_000;
const BATCH = 1_000;
// Fixed, so that the newest page and every cursor are the same run after run.
const EPOCH = Date.parse("2026-01-01T00:00:00Z");

export type SeededUser = { id: string; email: string };
export type Seeded = { users: SeededUser[]; publicRecipeIds: string[] };

type Recipe = Record<string, unknown> & { id: string; author_id: string };

function makeUsers(random: Random, passwordHash: string) {
  return Array.from({ length: COUNTS.users }, (_, i) => ({
    id: random.uuid(),
    email: `user${i}@bench.test`,
    name: `Bench User ${i}`,
    password_hash: passwordHash,
    role: "user",
    email_verified_at: new Date(EPOCH).toISOString(),
    created_at: new Date(EPOCH - (COUNTS.users - i) * 60_000).toISOString(),
  }));
}

function makeRecipe(random: Random, i: number, authorId: string) {
  const main = random.pick(MAINS);
  const title = `${random.pick(ADJECTIVES)} ${main} ${random.pick(DISHES)}`;
  const names = random.sample(INGREDIENTS, COUNTS.ingredients);
  const ingredients = names.map((name, position) => ({
    position,
    name,
    quantity: random.next() < 0.1 ? null : random.int(1, 500),
    unit: random.next() < 0.1 ? null : random.pick(UNITS),
    note: random.next() < 0.2 ? "finely chopped" : null,
  }));
  const recipe: Recipe = {
    id: random.uuid(),
    author_id: authorId,
    title: title[0]?.toUpperCase() + title.slice(1),
    description: `A ${random.pick(ADJECTIVES)} ${main} dish with ${names[0]} and ${names[1]}.`,
    servings: random.int(1, 8),
    prep_minutes: random.int(5, 60),
    cook_minutes: random.int(0, 180),
    visibility: random.next() < 0.9 ? "public" : "private",
    steps: Array.from(
      { length: COUNTS.steps },
      (_, s) =>
        `${random.pick(VERBS)} the ${names[s % names.length]} for ${random.int(1, 20)} minutes.`,
    ),
    names: names.join(" "),
    rating_count: 0,
    rating_sum: 0,
    rating_average: 0,
    created_at: new Date(EPOCH + i * 60_000).toISOString(),
  };
  const tags = random.sample(TAGS, COUNTS.tags);
  return { recipe, ingredients, tags };
}

/** Everything the seed inserts, generated from the fixed seed alone. */
export function generate(passwordHash: string) {
  const random = createRandom(SEED);
  const users = makeUsers(random, passwordHash);
  const recipes: Recipe[] = [];
  const ingredients: Record<string, unknown>[] = [];
  const tags: Record<string, unknown>[] = [];
  for (let i = 0; i < COUNTS.recipes; i++) {
    const made = makeRecipe(random, i, random.pick(users).id);
    recipes.push(made.recipe);
    for (const row of made.ingredients) ingredients.push({ recipe_id: made.recipe.id, ...row });
    for (const tag of made.tags) tags.push({ recipe_id: made.recipe.id, tag });
  }
  const ratings = makeRatings(random, users, recipes);
  const favorites = makeFavorites(random, users, recipes);
  return { users, recipes, ingredients, tags, ratings, favorites };
}

function makeRatings(random: Random, users: { id: string }[], recipes: Recipe[]) {
  const rows: Record<string, unknown>[] = [];
  for (const recipe of recipes) {
    const raters = random
      .sample(users, RATINGS_PER_RECIPE + 1)
      .filter((user) => user.id !== recipe.author_id);
    for (const user of raters.slice(0, RATINGS_PER_RECIPE)) {
      const stars = random.int(1, 5);
      rows.push({
        recipe_id: recipe.id,
        user_id: user.id,
        stars,
        comment: null,
        created_at: recipe.created_at,
      });
      (recipe.rating_count as number)++;
      (recipe.rating_sum as number) += stars;
    }
    recipe.rating_average = (recipe.rating_sum as number) / (recipe.rating_count as number);
  }
  return rows;
}

function makeFavorites(random: Random, users: { id: string }[], recipes: Recipe[]) {
  const seen = new Set<string>();
  const rows: Record<string, unknown>[] = [];
  while (rows.length < FAVORITES) {
    const user = random.pick(users);
    const recipe = random.pick(recipes);
    const key = `${user.id}:${recipe.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({ user_id: user.id, recipe_id: recipe.id, created_at: recipe.created_at });
  }
  return rows;
}

const STATEMENTS = {
  users: `insert into users (id, email, name, password_hash, role, email_verified_at, created_at, updated_at)
    select id, email, name, password_hash, role, email_verified_at, created_at, created_at
    from jsonb_to_recordset($1::text::jsonb) as r(id uuid, email text, name text, password_hash text,
      role text, email_verified_at timestamptz, created_at timestamptz)`,
  // The search documents are built exactly as the recipes repository builds them.
  recipes: `insert into recipes (id, author_id, title, description, servings, prep_minutes,
      cook_minutes, visibility, steps, search, ingredient_search, rating_count, rating_sum,
      rating_average, created_at, updated_at)
    select id, author_id, title, description, servings, prep_minutes, cook_minutes, visibility,
      steps,
      setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', description), 'B')
        || setweight(to_tsvector('english', names), 'C'),
      to_tsvector('simple', names), rating_count, rating_sum, rating_average, created_at, created_at
    from jsonb_to_recordset($1::text::jsonb) as r(id uuid, author_id uuid, title text, description text,
      servings int, prep_minutes int, cook_minutes int, visibility text, steps text[], names text,
      rating_count int, rating_sum int, rating_average float8, created_at timestamptz)`,
  ingredients: `insert into recipe_ingredients (recipe_id, position, name, quantity, unit, note)
    select * from jsonb_to_recordset($1::text::jsonb) as r(recipe_id uuid, position int, name text,
      quantity float8, unit text, note text)`,
  tags: `insert into recipe_tags (recipe_id, tag)
    select * from jsonb_to_recordset($1::text::jsonb) as r(recipe_id uuid, tag text)`,
  ratings: `insert into ratings (recipe_id, user_id, stars, comment, created_at, updated_at)
    select recipe_id, user_id, stars, comment, created_at, created_at
    from jsonb_to_recordset($1::text::jsonb) as r(recipe_id uuid, user_id uuid, stars smallint,
      comment text, created_at timestamptz)`,
  favorites: `insert into favorites (user_id, recipe_id, created_at)
    select * from jsonb_to_recordset($1::text::jsonb) as r(user_id uuid, recipe_id uuid,
      created_at timestamptz)`,
} as const;

async function insertAll(exec: Exec, statement: string, rows: unknown[], batch = BATCH) {
  for (let i = 0; i < rows.length; i += batch) {
    await exec(statement, [JSON.stringify(rows.slice(i, i + batch))]);
  }
}

/** Inserts the seed into an empty, migrated database and returns what the scenarios need. */
export async function seed(exec: Exec, passwordHash: string): Promise<Seeded> {
  const data = generate(passwordHash);
  await insertAll(exec, STATEMENTS.users, data.users);
  await insertAll(exec, STATEMENTS.recipes, data.recipes);
  await insertAll(exec, STATEMENTS.ingredients, data.ingredients, 4 * BATCH);
  await insertAll(exec, STATEMENTS.tags, data.tags, 4 * BATCH);
  await insertAll(exec, STATEMENTS.ratings, data.ratings, 4 * BATCH);
  await insertAll(exec, STATEMENTS.favorites, data.favorites, 4 * BATCH);
  await exec("analyze", []);
  return describe(data);
}

function describe(data: ReturnType<typeof generate>): Seeded {
  return {
    users: data.users.map((user) => ({ id: user.id, email: user.email })),
    publicRecipeIds: data.recipes.filter((r) => r.visibility === "public").map((r) => r.id),
  };
}

/** What the scenarios need from a database seeded earlier (no inserts). */
export function seededShape(): Seeded {
  return describe(generate(""));
}
