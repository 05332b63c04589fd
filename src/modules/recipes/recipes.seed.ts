import { createHash, randomBytes } from "node:crypto";
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { favorites } from "../favorites/favorites.table.ts";
import { ratings } from "../ratings/ratings.table.ts";
import type { UsersService } from "../users/users.service.ts";
import {
  createRecipesRepository,
  type IngredientValues,
  searchDocuments,
} from "./recipes.repository.ts";
import { DEMO_USERS, DISHES, type Dish, VARIANTS } from "./recipes.seed-data.ts";
import { recipeIngredients, recipes, recipeTags } from "./recipes.table.ts";

type SeedDeps = { db: Db; users: UsersService; config: { isProduction: boolean } };
type DemoUser = { id: string; name: string; email: string; role: "user" | "admin" };

const BATCH = 500;
// Fixed, so a second run computes the same rows and inserts nothing new.
const EPOCH = Date.parse("2026-11-01T12:00:00.000Z");

/** A stable UUID (v5 layout) from a name: the n-th seeded recipe always has the same id. */
export function stableUuid(name: string): string {
  const hex = createHash("sha1").update(`stratum-seed:${name}`).digest("hex");
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** A small deterministic number for recipe `i` and a salt. */
function pick(i: number, salt: string, modulo: number): number {
  return createHash("md5").update(`${i}:${salt}`).digest().readUInt32BE(0) % modulo;
}

/** The seed makes demo accounts, one of them an admin, and prints their password: never in production. */
export function assertSeedAllowed(config: { isProduction: boolean }): void {
  if (config.isProduction) {
    throw new Error(
      "db:seed refuses to run with NODE_ENV=production: it creates demo accounts, one of them an admin. Seed a development database instead.",
    );
  }
}

/**
 * Creates the demo users that do not exist yet, all with one password made for this run. Those
 * that exist are left as they are: a run never changes a password someone may be using.
 */
async function demoUsers({ users }: SeedDeps) {
  const password = randomBytes(18).toString("base64url");
  const people: DemoUser[] = [];
  const created: string[] = [];
  for (const demo of DEMO_USERS) {
    const existing = await users.findByEmail(demo.email);
    const row = existing ?? (await users.create({ ...demo, password }));
    if (!existing) created.push(row.email);
    people.push({ ...demo, id: row.id, role: row.role });
  }
  return { people, created, password: created.length > 0 ? password : null };
}

function recipeAt(i: number, authors: DemoUser[]) {
  const dish = DISHES[i % DISHES.length] as Dish;
  const round = Math.floor(i / DISHES.length);
  const variant = VARIANTS[round % VARIANTS.length];
  const base = variant ? `${variant} ${dish.title.toLowerCase()}` : dish.title;
  const title =
    round < VARIANTS.length ? base : `${base} No. ${Math.floor(round / VARIANTS.length) + 1}`;
  const author = authors[i % authors.length] as DemoUser;
  const createdAt = new Date(EPOCH - i * 7 * 60_000);
  const ingredients: IngredientValues[] = dish.ingredients.map(([name, quantity, unit, note]) => ({
    name,
    quantity,
    unit,
    note: note ?? null,
  }));
  const values = {
    id: stableUuid(`recipe:${i}`),
    authorId: author.id,
    title,
    description: dish.description,
    servings: dish.servings,
    prepMinutes: dish.prep + pick(i, "prep", 3) * 5,
    cookMinutes: dish.cook,
    visibility: (i % 10 === 9 ? "private" : "public") as "public" | "private",
    steps: dish.steps,
    createdAt,
    updatedAt: createdAt,
  };
  const tags = pick(i, "tag", 4) === 0 ? [...dish.tags, "favourite-of-the-week"] : dish.tags;
  return { values, ingredients, tags, authorId: author.id };
}

type Seeded = ReturnType<typeof recipeAt>;

/** Other demo users rate and favorite a recipe, deterministically. */
function reactions(i: number, recipe: Seeded, people: DemoUser[]) {
  const others = people.filter((user) => user.id !== recipe.authorId);
  const raters = others.filter((user) => pick(i, `rate:${user.email}`, 3) !== 0);
  const fans = others.filter((user) => pick(i, `fav:${user.email}`, 4) === 0);
  return {
    ratings: raters.map((user) => ({
      recipeId: recipe.values.id,
      userId: user.id,
      stars: 2 + pick(i, `stars:${user.email}`, 4),
      comment: pick(i, `comment:${user.email}`, 3) === 0 ? "Made it twice already." : null,
      createdAt: recipe.values.createdAt,
      updatedAt: recipe.values.createdAt,
    })),
    favorites: fans.map((user) => ({
      userId: user.id,
      recipeId: recipe.values.id,
      createdAt: recipe.values.createdAt,
    })),
  };
}

async function insertBatch(db: Db, batch: Seeded[], start: number, people: DemoUser[]) {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(recipes)
      .values(batch.map((r) => ({ ...r.values, ...searchDocuments(r.values, r.ingredients) })))
      .onConflictDoNothing()
      .returning({ id: recipes.id });
    const fresh = new Set(inserted.map((row) => row.id));
    const rows = batch
      .map((recipe, k) => ({ recipe, i: start + k }))
      .filter(({ recipe }) => fresh.has(recipe.values.id));
    if (rows.length === 0) return 0;
    const ingredientRows = rows.flatMap(({ recipe }) =>
      recipe.ingredients.map((ingredient, position) => ({
        ...ingredient,
        recipeId: recipe.values.id,
        position,
      })),
    );
    await tx.insert(recipeIngredients).values(ingredientRows);
    await tx
      .insert(recipeTags)
      .values(
        rows.flatMap(({ recipe }) =>
          recipe.tags.map((tag) => ({ recipeId: recipe.values.id, tag })),
        ),
      );
    const counts = new Map<string, number>();
    for (const { recipe } of rows) {
      if (recipe.values.visibility !== "public") continue;
      for (const tag of recipe.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    await createRecipesRepository(db).adjustTagCounts(
      [...counts].map(([tag, delta]) => ({ tag, delta })),
      tx,
    );
    const reacted = rows.map(({ recipe, i }) => reactions(i, recipe, people));
    const ratingRows = reacted.flatMap((r) => r.ratings);
    const favoriteRows = reacted.flatMap((r) => r.favorites);
    if (ratingRows.length > 0) await tx.insert(ratings).values(ratingRows).onConflictDoNothing();
    if (favoriteRows.length > 0)
      await tx.insert(favorites).values(favoriteRows).onConflictDoNothing();
    await tx.execute(sql`update ${recipes} set
        rating_count = s.n, rating_sum = s.total, rating_average = s.average
      from (select recipe_id, count(*)::int as n, sum(stars)::int as total, avg(stars)::float8 as average
            from ${ratings} where ${inArray(ratings.recipeId, [...fresh])} group by recipe_id) s
      where ${recipes.id} = s.recipe_id`);
    return rows.length;
  });
}

/**
 * Fills the database with demo users and `count` recipes with tags, ratings and favorites.
 * Idempotent: ids are derived from the recipe's number, so a second run adds nothing, and a
 * run with a larger count adds only the missing recipes. `password` is that of the users this
 * run created (null when it created none); it is kept nowhere but in the returned value.
 */
export async function seedRecipes(
  deps: SeedDeps,
  options: { count: number; progress?: (done: number) => void },
) {
  assertSeedAllowed(deps.config);
  const { people, created: usersCreated, password } = await demoUsers(deps);
  const authors = people.filter((user) => user.role === "user");
  let created = 0;
  for (let start = 0; start < options.count; start += BATCH) {
    const end = Math.min(start + BATCH, options.count);
    const batch = Array.from({ length: end - start }, (_, k) => recipeAt(start + k, authors));
    created += await insertBatch(deps.db, batch, start, people);
    options.progress?.(end);
  }
  return { users: people, usersCreated, password, created, total: options.count };
}

/** What `db:seed` prints about the demo users: the password once, and what it left alone. */
export function demoUsersReport(result: {
  users: { email: string; role: string }[];
  usersCreated: string[];
  password: string | null;
}): string {
  const line = (user: { email: string; role: string }) => `  ${user.email}  (${user.role})`;
  const created = result.users.filter((user) => result.usersCreated.includes(user.email));
  const kept = result.users.filter((user) => !result.usersCreated.includes(user.email));
  const lines: string[] = [];
  if (created.length > 0) {
    lines.push(
      `Demo users created, all with the password ${result.password}`,
      "(shown this once and stored only as a hash: note it now):",
      ...created.map(line),
    );
  }
  if (kept.length > 0) {
    lines.push(
      "Demo users that already existed, left unchanged (their password is the one printed when they were created):",
      ...kept.map(line),
    );
  }
  return lines.join("\n");
}
