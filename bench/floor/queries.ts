import type postgres from "postgres";

/**
 * The floor's statements: the same ones, in the same number of round trips, that Stratum's
 * repositories send for each request, written by hand and prepared (postgres.js prepares every
 * tagged-template query). Columns are only those the response needs.
 */

export type RecipeRow = {
  id: string;
  author_id: string;
  title: string;
  description: string;
  servings: number;
  prep_minutes: number;
  cook_minutes: number;
  visibility: "public" | "private";
  steps: string[];
  rating_count: number;
  rating_sum: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  author_name: string;
  favorited: boolean;
};
export type SummaryRow = Omit<RecipeRow, "steps"> & { ingredient_count: number; sort_key: string };
export type IngredientRow = {
  recipe_id: string;
  name: string;
  quantity: number | null;
  unit: string | null;
  note: string | null;
};
export type NewRecipe = {
  title: string;
  description: string;
  servings: number;
  prepMinutes: number;
  cookMinutes: number;
  visibility: "public" | "private";
  steps: string[];
  ingredients: {
    name: string;
    quantity: number | null;
    unit: string | null;
    note: string | null;
  }[];
  tags: string[];
};

/** The pool or a transaction: both run tagged-template statements alike. */
export type Tx = postgres.Sql | postgres.TransactionSql;
const run = (tx: Tx) => tx as postgres.Sql;

export function createQueries(sql: postgres.Sql) {
  // Anonymous readers favorite nothing: a constant, as in Stratum's statement.
  const favorited = (viewerId: string | null, tx: Tx = sql) =>
    viewerId === null
      ? run(tx)`false`
      : run(
          tx,
        )`exists (select 1 from favorites f where f.recipe_id = r.id and f.user_id = ${viewerId})`;

  return {
    /** The per-request session check: the session and its user's state, one statement. */
    async activeSession(sessionId: string, now: Date) {
      const [row] = await sql<
        { id: string; user_id: string; role: string; disabled_at: Date | null }[]
      >`
        select s.id, s.user_id, u.role, u.disabled_at
        from sessions s join users u on u.id = s.user_id
        where s.id = ${sessionId} and s.revoked_at is null
          and s.expires_at > ${now} and s.absolute_expires_at > ${now}`;
      return row;
    },

    async recipe(id: string, viewerId: string | null, tx: Tx = sql) {
      const [row] = await run(tx)<RecipeRow[]>`
        select r.id, r.author_id, r.title, r.description, r.servings, r.prep_minutes,
          r.cook_minutes, r.visibility, r.steps, r.rating_count, r.rating_sum, r.version,
          r.created_at, r.updated_at, u.name as author_name,
          ${favorited(viewerId, tx)} as favorited
        from recipes r join users u on u.id = r.author_id
        where r.id = ${id}`;
      return row;
    },

    ingredients: (ids: string[], tx: Tx = sql) => run(tx)<IngredientRow[]>`
      select recipe_id, name, quantity, unit, note from recipe_ingredients
      where recipe_id = any(${ids}::uuid[]) order by recipe_id, position`,

    tags: (ids: string[], tx: Tx = sql) => run(tx)<{ recipe_id: string; tag: string }[]>`
      select recipe_id, tag from recipe_tags where recipe_id = any(${ids}::uuid[]) order by tag`,

    /** The newest page, optionally full-text filtered; `limit + 1` rows tell if more exist. */
    page(viewerId: string | null, q: string | undefined, limit: number) {
      const visible =
        viewerId === null
          ? sql`r.visibility = 'public'`
          : sql`(r.visibility = 'public' or r.author_id = ${viewerId})`;
      const search =
        q === undefined ? sql`` : sql`and r.search @@ websearch_to_tsquery('english', ${q})`;
      return sql<SummaryRow[]>`
        select r.id, r.author_id, r.title, r.description, r.servings, r.prep_minutes,
          r.cook_minutes, r.visibility, r.rating_count, r.rating_sum, r.version, r.created_at,
          r.updated_at, u.name as author_name, ${favorited(viewerId)} as favorited,
          (select count(*)::int from recipe_ingredients i where i.recipe_id = r.id)
            as ingredient_count,
          r.created_at::text as sort_key
        from recipes r join users u on u.id = r.author_id
        where ${visible} ${search}
        order by r.created_at desc, r.id desc
        limit ${limit + 1}`;
    },

    async authorName(userId: string) {
      const [row] = await sql<{ name: string }[]>`select name from users where id = ${userId}`;
      return row?.name;
    },

    /**
     * The recipe, its children and the tag counts in one statement, as the repository writes
     * them (data-modifying CTEs; children and counts as array parameters); answers the recipe
     * row as written.
     */
    async insertRecipe(authorId: string, recipe: NewRecipe, now: Date) {
      const names = recipe.ingredients.map((ingredient) => ingredient.name).join(" ");
      const { ingredients, tags } = recipe;
      const counted = recipe.visibility === "public" ? [...tags].sort() : [];
      const [row] = await sql<Omit<RecipeRow, "author_name" | "favorited">[]>`
        with inserted as (
          insert into recipes (author_id, title, description, servings, prep_minutes,
            cook_minutes, visibility, steps, search, ingredient_search, created_at, updated_at)
          values (${authorId}, ${recipe.title}, ${recipe.description}, ${recipe.servings},
            ${recipe.prepMinutes}, ${recipe.cookMinutes}, ${recipe.visibility}, ${recipe.steps},
            setweight(to_tsvector('english', ${recipe.title}::text), 'A')
              || setweight(to_tsvector('english', ${recipe.description}::text), 'B')
              || setweight(to_tsvector('english', ${names}::text), 'C'),
            to_tsvector('simple', ${names}::text), ${now}, ${now})
          returning id, author_id, title, description, servings, prep_minutes, cook_minutes,
            visibility, steps, rating_count, rating_sum, version, created_at, updated_at),
        ingredients_inserted as (
          insert into recipe_ingredients
          select (select id from inserted), (row.ord - 1)::int, row.name, row.quantity, row.unit,
            row.note
          from unnest(${ingredients.map((i) => i.name)}::text[],
            ${ingredients.map((i) => i.quantity)}::float8[],
            ${ingredients.map((i) => i.unit)}::text[], ${ingredients.map((i) => i.note)}::text[])
            with ordinality as row(name, quantity, unit, note, ord)
          order by row.ord),
        tags_inserted as (
          insert into recipe_tags select (select id from inserted), unnest(${tags}::text[])),
        counts_added as (
          insert into tag_counts (tag, public_count)
          select row.tag, row.delta
          from unnest(${counted}::text[], ${counted.map(() => 1)}::int[])
            with ordinality as row(tag, delta, ord)
          order by row.ord
          on conflict (tag) do update set public_count = tag_counts.public_count + excluded.public_count)
        select * from inserted`;
      return row as Omit<RecipeRow, "author_name" | "favorited">;
    },

    async userByEmail(email: string) {
      const [row] = await sql<UserRow[]>`
        select id, email, name, role, password_hash, email_verified_at, disabled_at, created_at
        from users where email = ${email}`;
      return row;
    },

    async startSession(
      transaction: Tx,
      values: {
        userId: string;
        now: Date;
        expiresAt: Date;
        absoluteExpiresAt: Date;
        userAgent: string | null;
        ip: string;
        tokenHash: string;
      },
    ) {
      const tx = run(transaction);
      const [session] = await tx<{ id: string }[]>`
        insert into sessions (user_id, created_at, last_used_at, expires_at, absolute_expires_at,
          user_agent, ip)
        values (${values.userId}, ${values.now}, ${values.now}, ${values.expiresAt},
          ${values.absoluteExpiresAt}, ${values.userAgent}, ${values.ip})
        returning id`;
      const sessionId = (session as { id: string }).id;
      await tx`insert into refresh_tokens (session_id, token_hash, created_at, expires_at)
        values (${sessionId}, ${values.tokenHash}, ${values.now}, ${values.expiresAt})`;
      await tx`insert into audit_events (type, user_id, ip, user_agent, data, created_at)
        values ('login_succeeded', ${values.userId}, ${values.ip}, ${values.userAgent},
          ${tx.json({ sessionId })}, ${values.now})`;
      return sessionId;
    },

    ping: () => sql`select 1`,
  };
}

export type UserRow = {
  id: string;
  email: string;
  name: string;
  role: "user" | "admin";
  password_hash: string;
  email_verified_at: Date | null;
  disabled_at: Date | null;
  created_at: Date;
};

export type Queries = ReturnType<typeof createQueries>;
