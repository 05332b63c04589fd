import { and, asc, eq, getTableColumns, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.ts";
import { prepared, preparedByShape } from "../../db/prepared.ts";
import { favorites } from "../favorites/favorites.table.ts";
import { tagCounts } from "../tags/tags.table.ts";
import { users } from "../users/users.table.ts";
import {
  listFilters,
  listOrder,
  listShape,
  listValues,
  type RecipeListParams,
} from "./recipes.sql.ts";
import {
  type RecipeIngredientRow,
  type RecipeRow,
  recipeIngredients,
  recipes,
  recipeTags,
} from "./recipes.table.ts";

export type TagCountChange = { tag: string; delta: number };

export type IngredientValues = Omit<RecipeIngredientRow, "recipeId" | "position">;

export type RecipeValues = Pick<
  RecipeRow,
  | "title"
  | "description"
  | "servings"
  | "prepMinutes"
  | "cookMinutes"
  | "visibility"
  | "steps"
  | "updatedAt"
>;

/** A recipe's columns, its author's name, and whether the viewer favorited it. */
export type RecipeRecord = Omit<RecipeRow, "search" | "ingredientSearch"> & {
  authorName: string;
  favorited: boolean;
};
/** What a summary shows: no steps (nor ingredients), so lists never read them. */
export type SummaryRecord = Omit<RecipeRecord, "steps"> & { ingredientCount: number };
export type RecipeSummaryRecord = SummaryRecord & { sortKey: string };

const {
  search: _search,
  ingredientSearch: _ingredientSearch,
  ...recipeColumns
} = getTableColumns(recipes);
const { steps: _steps, ...summaryColumns } = recipeColumns;

/** What the ingredient search documents are made of: every ingredient name, in order. */
const ingredientNames = (ingredients: IngredientValues[]) =>
  ingredients.map((ingredient) => ingredient.name).join(" ");

export function searchDocuments(values: RecipeValues, ingredients: IngredientValues[]) {
  return searchDocumentsOf(values.title, values.description, ingredientNames(ingredients));
}

/** The search documents from title, description and ingredient names: values or placeholders. */
function searchDocumentsOf(title: unknown, description: unknown, names: unknown) {
  return {
    search: sql`setweight(to_tsvector('english', ${title}::text), 'A')
      || setweight(to_tsvector('english', ${description}::text), 'B')
      || setweight(to_tsvector('english', ${names}::text), 'C')`,
    ingredientSearch: sql`to_tsvector('simple', ${names}::text)`,
  };
}

const p = sql.placeholder;

// A left join rather than EXISTS: the planner then probes the favorites primary key once per
// row of the page, instead of hashing all of a prolific user's favorites first. The viewer's id
// is the placeholder `viewerId`.
function favoritesOf(viewer: boolean): SQL {
  if (!viewer) return sql`false`;
  return and(eq(favorites.recipeId, recipes.id), eq(favorites.userId, p("viewerId"))) as SQL;
}

const favorited = sql<boolean>`${favorites.userId} is not null`;

const ingredientCount = sql<number>`(select count(*) from ${recipeIngredients}
  where ${recipeIngredients.recipeId} = ${recipes.id})`.mapWith(Number);

/** A summary's columns; with the users and favorites joins below. */
const summarySelection = {
  ...summaryColumns,
  authorName: users.name,
  favorited,
  ingredientCount,
};

export function createRecipesRepository(db: Db) {
  const byId = (viewer: boolean) =>
    prepared(db, viewer ? "recipe_by_id_viewer" : "recipe_by_id", (tx) =>
      tx
        .select({ ...recipeColumns, authorName: users.name, favorited })
        .from(recipes)
        .innerJoin(users, eq(users.id, recipes.authorId))
        .leftJoin(favorites, favoritesOf(viewer))
        .where(eq(recipes.id, p("id"))),
    );
  const byIdFor = { anonymous: byId(false), viewer: byId(true) };

  // Children of any number of recipes, one array parameter, so one statement text for all.
  const ingredientsOfIds = prepared(db, "recipe_ingredients_of", (tx) =>
    tx
      .select()
      .from(recipeIngredients)
      .where(sql`${recipeIngredients.recipeId} = any(${p("ids")}::uuid[])`)
      .orderBy(asc(recipeIngredients.recipeId), asc(recipeIngredients.position)),
  );
  // Tags are slugs; ordered by code point whatever the database's collation, as `sortTags`.
  const tagsOfIds = prepared(db, "recipe_tags_of", (tx) =>
    tx
      .select()
      .from(recipeTags)
      .where(sql`${recipeTags.recipeId} = any(${p("ids")}::uuid[])`)
      .orderBy(sql`${recipeTags.tag} collate "C"`),
  );
  const nameOf = prepared(db, "recipe_author_name", (tx) =>
    tx
      .select({ name: users.name })
      .from(users)
      .where(eq(users.id, p("id"))),
  );

  const page = preparedByShape(db, "recipes_list", listShape, (tx, params: RecipeListParams) => {
    const { orderBy, sortKey, after } = listOrder(params);
    return tx
      .select({ ...summarySelection, sortKey })
      .from(recipes)
      .innerJoin(users, eq(users.id, recipes.authorId))
      .leftJoin(favorites, favoritesOf(params.viewerId !== null))
      .where(and(...listFilters(params), after))
      .orderBy(...orderBy)
      .limit(p("limit"));
  });

  const recipeValues = {
    authorId: p("authorId"),
    title: p("title"),
    description: p("description"),
    servings: p("servings"),
    prepMinutes: p("prepMinutes"),
    cookMinutes: p("cookMinutes"),
    visibility: p("visibility"),
    steps: p("steps"),
    createdAt: p("createdAt"),
    updatedAt: p("updatedAt"),
    ...searchDocumentsOf(p("title"), p("description"), p("ingredientText")),
  };
  // Children as arrays, one element per row: one statement text whatever their number. `id` is
  // the recipe's id: a placeholder, or the id a create's first step returned.
  const ingredientRows = (id: unknown) =>
    sql`select ${id}::uuid, (row.ord - 1)::int, row.name, row.quantity, row.unit, row.note
      from unnest(${p("names")}::text[], ${p("quantities")}::float8[], ${p("units")}::text[],
        ${p("notes")}::text[]) with ordinality as row(name, quantity, unit, note, ord)
      order by row.ord`;
  const tagRows = (id: unknown) => sql`select ${id}::uuid, unnest(${p("tags")}::text[])`;
  // Rows go in the order given (tag order), so concurrent writers lock them in the same order.
  const addTagCountsTo = (tx: Executor) =>
    tx
      .insert(tagCounts)
      .select(
        sql`select row.tag, row.delta
          from unnest(${p("countTags")}::text[], ${p("deltas")}::int[]) with ordinality as row(tag, delta, ord)
          order by row.ord`,
      )
      .onConflictDoUpdate({
        target: tagCounts.tag,
        set: { publicCount: sql`${tagCounts.publicCount} + excluded.public_count` },
      });

  // A whole create in one statement (data-modifying CTEs): the recipe, its ingredients, its
  // tags and the tag counts. One round trip, atomic without a transaction, prepared once.
  const createRecipe = prepared(db, "recipe_create", (tx) => {
    const inserted = tx
      .$with("inserted")
      .as(tx.insert(recipes).values(recipeValues).returning(recipeColumns));
    const ingredientsInserted = tx.$with("ingredients_inserted").as(
      tx
        .insert(recipeIngredients)
        .select(sql`${ingredientRows(sql`(select ${inserted.id} from ${inserted})`)}`)
        .returning({ recipeId: recipeIngredients.recipeId }),
    );
    const tagsInserted = tx.$with("tags_inserted").as(
      tx
        .insert(recipeTags)
        .select(tagRows(sql`(select ${inserted.id} from ${inserted})`))
        .returning({ recipeId: recipeTags.recipeId }),
    );
    const countsAdded = tx
      .$with("counts_added")
      .as(addTagCountsTo(tx).returning({ tag: tagCounts.tag }));
    return tx
      .with(inserted, ingredientsInserted, tagsInserted, countsAdded)
      .select()
      .from(inserted);
  });
  const insertIngredients = prepared(db, "recipe_ingredients_insert", (tx) =>
    tx.insert(recipeIngredients).select(ingredientRows(p("recipeId"))),
  );
  const insertTags = prepared(db, "recipe_tags_insert", (tx) =>
    tx.insert(recipeTags).select(tagRows(p("recipeId"))),
  );
  const addTagCounts = prepared(db, "tag_counts_add", addTagCountsTo);

  /** Children and tag counts as the array parameters the statements above take. */
  const childValues = (ingredients: IngredientValues[], tags: string[]) => ({
    names: ingredients.map((ingredient) => ingredient.name),
    quantities: ingredients.map((ingredient) => ingredient.quantity),
    units: ingredients.map((ingredient) => ingredient.unit),
    notes: ingredients.map((ingredient) => ingredient.note),
    tags,
  });
  /** Nonzero changes in tag order, so concurrent writers lock rows in the same order. */
  const countValues = (changes: TagCountChange[]) => {
    const rows = changes
      .filter((change) => change.delta !== 0)
      .sort((a, b) => (a.tag < b.tag ? -1 : 1));
    return { countTags: rows.map((row) => row.tag), deltas: rows.map((row) => row.delta) };
  };

  async function insertChildren(
    tx: Executor,
    recipeId: string,
    ingredients: IngredientValues[],
    tags: string[],
  ): Promise<void> {
    const values = { recipeId, ...childValues(ingredients, tags) };
    if (ingredients.length > 0) await insertIngredients(values, tx);
    if (tags.length > 0) await insertTags(values, tx);
  }

  return {
    /** One statement: the recipe, its author's name and the viewer's favorite. */
    async findById(
      id: string,
      viewerId: string | null,
      tx: Executor = db,
    ): Promise<RecipeRecord | undefined> {
      const statement = viewerId === null ? byIdFor.anonymous : byIdFor.viewer;
      const [row] = await statement({ id, viewerId }, tx);
      return row;
    },

    /** Locks the row for the rest of the transaction, so concurrent writers queue up. */
    async lockById(id: string, tx: Executor) {
      const [row] = await tx
        .select({
          id: recipes.id,
          authorId: recipes.authorId,
          visibility: recipes.visibility,
          version: recipes.version,
        })
        .from(recipes)
        .where(eq(recipes.id, id))
        .for("update");
      return row;
    },

    async ingredientsOf(recipeIds: string[], tx: Executor = db) {
      if (recipeIds.length === 0) return [];
      return ingredientsOfIds({ ids: recipeIds }, tx);
    },

    async tagsOf(recipeIds: string[], tx: Executor = db) {
      if (recipeIds.length === 0) return [];
      return tagsOfIds({ ids: recipeIds }, tx);
    },

    /**
     * Creates a recipe with its ingredients and tags and applies `tagCountChanges`, in one
     * statement. Returns the row as written.
     */
    async create(
      values: RecipeValues & { authorId: string; createdAt: Date },
      ingredients: IngredientValues[],
      tags: string[],
      tagCountChanges: TagCountChange[],
    ): Promise<Omit<RecipeRecord, "authorName" | "favorited">> {
      const [row] = await createRecipe({
        ...values,
        ingredientText: ingredientNames(ingredients),
        ...childValues(ingredients, tags),
        ...countValues(tagCountChanges),
      });
      return row as Omit<RecipeRecord, "authorName" | "favorited">;
    },

    async authorName(userId: string): Promise<string | undefined> {
      const [row] = await nameOf({ id: userId });
      return row?.name;
    },

    /** Writes the whole new state (search documents included) and bumps the version. */
    async update(
      id: string,
      values: RecipeValues,
      ingredients: IngredientValues[],
      children: { ingredients: boolean; tags: string[] | undefined },
      tx: Executor = db,
    ): Promise<void> {
      await tx
        .update(recipes)
        .set({
          ...values,
          ...searchDocuments(values, ingredients),
          version: sql`${recipes.version} + 1`,
        })
        .where(eq(recipes.id, id));
      if (children.ingredients) {
        await tx.delete(recipeIngredients).where(eq(recipeIngredients.recipeId, id));
      }
      if (children.tags) await tx.delete(recipeTags).where(eq(recipeTags.recipeId, id));
      await insertChildren(tx, id, children.ingredients ? ingredients : [], children.tags ?? []);
    },

    /**
     * Adds to the public-recipe count of each tag. Rows are written in tag order, so concurrent
     * writers lock them in the same order and cannot deadlock.
     */
    /** Adds to the public-recipe count of each tag (rows written in tag order). */
    async adjustTagCounts(changes: TagCountChange[], tx: Executor = db): Promise<void> {
      const values = countValues(changes);
      if (values.countTags.length > 0) await addTagCounts(values, tx);
    },

    /** A page of one author's recipes in id order, for exporting an account. */
    async recordsByAuthor(
      authorId: string,
      afterId: string | undefined,
      limit: number,
      tx: Executor = db,
    ): Promise<RecipeRecord[]> {
      return tx
        .select({ ...recipeColumns, authorName: users.name, favorited: sql<boolean>`false` })
        .from(recipes)
        .innerJoin(users, eq(users.id, recipes.authorId))
        .where(and(eq(recipes.authorId, authorId), afterId ? gt(recipes.id, afterId) : undefined))
        .orderBy(asc(recipes.id))
        .limit(limit);
    },

    async idsByAuthor(authorId: string, limit: number, tx: Executor = db) {
      return tx
        .select({ id: recipes.id })
        .from(recipes)
        .where(eq(recipes.authorId, authorId))
        .limit(limit);
    },

    async remove(id: string, tx: Executor = db): Promise<void> {
      await tx.delete(recipes).where(eq(recipes.id, id));
    },

    /**
     * One statement for a whole page, whatever its size: summaries with author, ingredient count
     * and favorite flag. Fetches `limit + 1` rows so the caller knows whether a next page exists.
     */
    async list(params: RecipeListParams, tx: Executor = db): Promise<RecipeSummaryRecord[]> {
      return page(params, listValues(params), tx);
    },

    /** Summaries of given recipes in one statement (order not kept; the caller orders). */
    async summariesByIds(ids: string[], viewerId: string | null, tx: Executor = db) {
      if (ids.length === 0) return [];
      return tx
        .select(summarySelection)
        .from(recipes)
        .innerJoin(users, eq(users.id, recipes.authorId))
        .leftJoin(favorites, favoritesOf(viewerId !== null))
        .where(inArray(recipes.id, ids))
        .execute({ viewerId });
    },

    /** Who wrote which recipes and who may see them: what authorization needs, one statement. */
    async accessOf(ids: string[], tx: Executor = db) {
      if (ids.length === 0) return [];
      return tx
        .select({
          id: recipes.id,
          authorId: recipes.authorId,
          visibility: recipes.visibility,
          servings: recipes.servings,
        })
        .from(recipes)
        .where(inArray(recipes.id, ids));
    },
  };
}

export type RecipesRepository = ReturnType<typeof createRecipesRepository>;
