import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createScratchPostgres,
  resetDatabase,
  testDatabase,
  testDataDir,
} from "../../test/helpers/database.ts";
import { favorites } from "../modules/favorites/favorites.table.ts";
import { recipes } from "../modules/recipes/recipes.table.ts";
import { users } from "../modules/users/users.table.ts";
import { type Database, type Executor, openDatabase } from "./client.ts";
import { migrate } from "./migrate.ts";
import { prepared, preparedByShape, preparedExecutions } from "./prepared.ts";

const p = sql.placeholder;

describe("prepared statements", () => {
  let database: Database;
  let authorId: string;
  let recipeId: string;

  beforeAll(async () => {
    database = await testDatabase();
  });

  beforeEach(async () => {
    await resetDatabase(database);
    const { db } = database;
    const [author] = await db
      .insert(users)
      .values({ email: `${randomUUID()}@example.com`, name: "Ada", passwordHash: "x" })
      .returning();
    authorId = author?.id as string;
    const [recipe] = await db
      .insert(recipes)
      .values({
        authorId,
        title: "Beans",
        description: "",
        servings: 2,
        prepMinutes: 5,
        cookMinutes: 10,
        steps: ["Soak.", "Simmer."],
        search: sql`to_tsvector('english', 'beans')`,
        ingredientSearch: sql`to_tsvector('simple', 'beans')`,
      })
      .returning();
    recipeId = recipe?.id as string;
    await db.insert(favorites).values({ userId: authorId, recipeId });
  });

  // Every kind of field the repositories select: columns of two tables (text, integer, jsonb,
  // timestamps, a nullable timestamp), a left join, typed `sql` and a `mapWith` subquery.
  const detailed = (executor: Executor) =>
    executor
      .select({
        id: recipes.id,
        steps: recipes.steps,
        servings: recipes.servings,
        createdAt: recipes.createdAt,
        authorName: users.name,
        verifiedAt: users.emailVerifiedAt,
        favorited: sql<boolean>`${favorites.userId} is not null`,
        favorites: sql<number>`(select count(*) from ${favorites}
          where ${favorites.recipeId} = ${recipes.id})`.mapWith(Number),
        createdText: sql<string>`(${recipes.createdAt})::text`,
      })
      .from(recipes)
      .innerJoin(users, eq(users.id, recipes.authorId))
      .leftJoin(favorites, eq(favorites.userId, p("viewerId")))
      .where(eq(recipes.id, p("id")));

  it("answers exactly what Drizzle answers for the same statement", async () => {
    const statement = prepared(database.db, "test_detailed", detailed);
    const values = { id: recipeId, viewerId: authorId };
    const rows = await statement(values);
    expect(rows).toEqual(await detailed(database.db).execute(values));
    expect(rows).toEqual([
      expect.objectContaining({
        id: recipeId,
        steps: ["Soak.", "Simmer."],
        servings: 2,
        createdAt: expect.any(Date),
        authorName: "Ada",
        verifiedAt: null,
        favorited: true,
        favorites: 1,
        createdText: expect.any(String),
      }),
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual(Object.keys(detailed(database.db)._.selectedFields));
  });

  it("encodes placeholder values through their column, as Drizzle does", async () => {
    const insert = prepared(database.db, "test_insert_user", (executor) =>
      executor
        .insert(users)
        .values({
          email: p("email"),
          name: p("name"),
          passwordHash: "x",
          createdAt: p("createdAt"),
        })
        .returning({ email: users.email, createdAt: users.createdAt }),
    );
    const createdAt = new Date("2026-01-02T03:04:05.678Z");
    const email = `${randomUUID()}@example.com`;
    expect(await insert({ email, name: "Bo", createdAt })).toEqual([{ email, createdAt }]);
  });

  it("runs on a caller's transaction, whose rollback undoes it", async () => {
    const rename = prepared(database.db, "test_rename", (executor) =>
      executor
        .update(users)
        .set({ name: sql`${p("name")}` })
        .where(eq(users.id, p("id")))
        .returning({ name: users.name }),
    );
    const nameOf = prepared(database.db, "test_name_of", (executor) =>
      executor
        .select({ name: users.name })
        .from(users)
        .where(eq(users.id, p("id"))),
    );
    await expect(
      database.db.transaction(async (tx) => {
        expect(await rename({ id: authorId, name: "Renamed" }, tx)).toEqual([{ name: "Renamed" }]);
        expect(await nameOf({ id: authorId }, tx)).toEqual([{ name: "Renamed" }]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await nameOf({ id: authorId })).toEqual([{ name: "Ada" }]);
  });

  it("runs writes without a selection, array parameters included", async () => {
    const addFavorites = prepared(database.db, "test_add_favorites", (executor) =>
      executor
        .insert(favorites)
        .select(
          sql`select user_id, ${p("recipeId")}::uuid, now() from unnest(${p("userIds")}::uuid[]) as user_id`,
        ),
    );
    const removeFavorites = prepared(database.db, "test_remove_favorites", (executor) =>
      executor.delete(favorites).where(eq(favorites.recipeId, p("recipeId"))),
    );
    const [other] = await database.db
      .insert(users)
      .values({ email: `${randomUUID()}@example.com`, name: "Cy", passwordHash: "x" })
      .returning({ id: users.id });
    await database.db.transaction(async (tx) => {
      await removeFavorites({ recipeId }, tx);
      await addFavorites({ recipeId, userIds: [authorId, other?.id] }, tx);
    });
    const rows = await database.db
      .select({ userId: favorites.userId })
      .from(favorites)
      .where(eq(favorites.recipeId, recipeId));
    expect(rows.map((row) => row.userId).sort()).toEqual([authorId, other?.id].sort());
  });

  it("counts each call as one statement, prepared, and names a missing value", async () => {
    const statement = prepared(database.db, "test_counted", detailed);
    const before = { queries: database.stats.queries, prepared: preparedExecutions(database.db) };
    await statement({ id: recipeId, viewerId: null });
    await database.db.transaction((tx) => statement({ id: recipeId, viewerId: null }, tx));
    expect(database.stats.queries - before.queries).toBe(2);
    expect(preparedExecutions(database.db) - before.prepared).toBe(2);
    await expect(statement({ id: recipeId })).rejects.toThrow(
      'No value for placeholder "viewerId" was provided',
    );
  });

  it("maps nested selections, on the database and in a transaction", async () => {
    const nested = (executor: Executor) =>
      executor
        .select({ id: recipes.id, author: { id: users.id, name: users.name } })
        .from(recipes)
        .innerJoin(users, eq(users.id, recipes.authorId))
        .where(eq(recipes.id, p("id")));
    const statement = prepared(database.db, "test_nested", nested);
    const expected = [{ id: recipeId, author: { id: authorId, name: "Ada" } }];
    expect(await statement({ id: recipeId })).toEqual(expected);
    await database.db.transaction(async (tx) => {
      expect(await statement({ id: recipeId }, tx)).toEqual(expected);
    });
  });

  it("builds one statement per shape", async () => {
    let builds = 0;
    const byShape = preparedByShape(
      database.db,
      "test_shape",
      (withName: boolean) => (withName ? "name" : "id"),
      (executor, withName: boolean) => {
        builds++;
        return executor
          .select(withName ? { value: users.name } : { value: users.id })
          .from(users)
          .where(eq(users.id, p("id")));
      },
    );
    const before = preparedExecutions(database.db);
    expect(await byShape(true, { id: authorId })).toEqual([{ value: "Ada" }]);
    expect(await byShape(false, { id: authorId })).toEqual([{ value: authorId }]);
    expect(await byShape(true, { id: authorId })).toEqual([{ value: "Ada" }]);
    expect(builds).toBe(2);
    expect(preparedExecutions(database.db) - before).toBe(3);
  });
});

// What `prepared` promises is a statement PostgreSQL parses once per connection: the server's
// own list of the connection's prepared statements shows it (one connection, so the same one).
describe.runIf(process.env.TEST_DATABASE_URL)("prepared statements on PostgreSQL", () => {
  it("are prepared on the connection, in transactions too", async () => {
    const url = await createScratchPostgres(process.env.TEST_DATABASE_URL as string, "prep");
    const open = (poolSize: number) =>
      openDatabase({
        dataDir: testDataDir,
        database: { url, embedded: false, poolSize, statementTimeoutMs: 10_000 },
      });
    const migrating = await open(2); // migrations hold a lock on a connection of their own
    await migrate(migrating).finally(() => migrating.close());
    const database = await open(1);
    try {
      const { db } = database;
      const byEmail = prepared(db, "test_by_email", (executor) =>
        executor
          .select({ id: users.id })
          .from(users)
          .where(eq(users.email, p("email"))),
      );
      const byName = preparedByShape(
        db,
        "test_by_name",
        (exact: boolean) => String(exact),
        (executor, exact) =>
          executor
            .select({ id: users.id })
            .from(users)
            .where(exact ? eq(users.name, p("name")) : sql`${users.name} ilike ${p("name")}`),
      );
      await byEmail({ email: "a@example.com" });
      await db.transaction((tx) => byName(true, { name: "Ada" }, tx));
      await db.select({ id: users.id }).from(users).where(eq(users.passwordHash, "x"));
      const statements = await database.rows<{ statement: string }>(
        sql`select statement from pg_prepared_statements`,
      );
      const texts = statements.map((row) => row.statement);
      expect(texts).toContainEqual(expect.stringMatching(/where "users"\."email" = \$1$/));
      expect(texts).toContainEqual(expect.stringMatching(/where "users"\."name" = \$1$/));
      // Not yet run, and a statement sent without `prepared`: neither is on the connection.
      expect(texts.some((text) => text.includes("ilike"))).toBe(false);
      expect(texts.some((text) => text.includes("password_hash"))).toBe(false);
    } finally {
      await database.close();
    }
  });
});

// DB_PREPARED_STATEMENTS=false, for a pooler that cannot keep named statements (docs/deploy.md):
// the same calls answer the same, and nothing is left prepared on the connection.
describe.runIf(process.env.TEST_DATABASE_URL)("prepared statements turned off", () => {
  it("run every statement unnamed, `prepared` ones and transactions included", async () => {
    const url = await createScratchPostgres(process.env.TEST_DATABASE_URL as string, "noprep");
    const database = await openDatabase({
      dataDir: testDataDir,
      database: {
        url,
        embedded: false,
        poolSize: 1,
        statementTimeoutMs: 10_000,
        preparedStatements: false,
      },
    });
    try {
      await migrate(database);
      const { db } = database;
      const [ada] = await db
        .insert(users)
        .values({ email: "ada@example.com", name: "Ada", passwordHash: "x" })
        .returning({ id: users.id });
      const byEmail = prepared(db, "test_noprep_by_email", (executor) =>
        executor
          .select({ id: users.id })
          .from(users)
          .where(eq(users.email, p("email"))),
      );
      expect(await byEmail({ email: "ada@example.com" })).toEqual([{ id: ada?.id }]);
      expect(await byEmail({ email: "ada@example.com" })).toEqual([{ id: ada?.id }]);
      expect(await db.transaction((tx) => byEmail({ email: "ada@example.com" }, tx))).toEqual([
        { id: ada?.id },
      ]);
      const client = database.sql as NonNullable<Database["sql"]>;
      await client`select ${1}::int as one`;
      const statements = await database.rows<{ count: number }>(
        sql`select count(*)::int as count from pg_prepared_statements`,
      );
      expect(statements[0]?.count).toBe(0);
    } finally {
      await database.close();
    }
  });
});
