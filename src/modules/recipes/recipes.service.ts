import { z } from "zod";
import type { Db, Executor } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { BadRequestError, PreconditionFailedError, UnauthorizedError } from "../../lib/errors.ts";
import {
  decodeOptionalCursor,
  NumberKeySchema,
  type Page,
  TimestampKeySchema,
  toPage,
} from "../../lib/pagination.ts";
import { tagCountChanges } from "../tags/tag-counts.ts";
import { canView, ensureEditable, ensureSignedIn, ensureViewable } from "./recipes.policy.ts";
import type {
  RecipeRecord,
  RecipesRepository,
  RecipeValues,
  SummaryRecord,
} from "./recipes.repository.ts";
import {
  type CreateRecipeInput,
  type ListRecipesQuery,
  type Recipe,
  type RecipeSummary,
  SORTS,
  type Sort,
  type UpdateRecipeInput,
} from "./recipes.schema.ts";
import { groupBy, sortTags, toRecipe, toSummary } from "./recipes.view.ts";

type RecipesDeps = { db: Db; recipesRepository: RecipesRepository; clock: Clock };

// A cursor names its sort, so one from another sort order is rejected instead of misread.
const ListCursor = z
  .object({ s: z.enum(SORTS), k: z.tuple([z.string().max(64), z.uuid()]) })
  .refine(
    ({ s, k }) =>
      (s === "newest" || s === "oldest" ? TimestampKeySchema : NumberKeySchema).safeParse(k[0])
        .success,
  );

/** The words a full-text or ingredient search can match; punctuation alone has none. */
export function searchWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 20);
}

/** The recipe's new columns: what the patch sends, the current values for the rest. */
function merge(current: Recipe, patch: Partial<RecipeValues>, now: Date): RecipeValues {
  return {
    title: patch.title ?? current.title,
    description: patch.description ?? current.description,
    servings: patch.servings ?? current.servings,
    prepMinutes: patch.prepMinutes ?? current.prepMinutes,
    cookMinutes: patch.cookMinutes ?? current.cookMinutes,
    visibility: patch.visibility ?? current.visibility,
    steps: patch.steps ?? current.steps,
    updatedAt: now,
  };
}

function versionMismatch(current: number): PreconditionFailedError {
  return new PreconditionFailedError("version_mismatch", {
    detail: `The recipe changed; its current version is ${current}. Reload and retry.`,
  });
}

export function createRecipesService({ db, recipesRepository: repo, clock }: RecipesDeps) {
  const viewerOf = (actor: Actor | null) => actor?.userId ?? null;

  async function load(record: RecipeRecord, tx: Executor, servings?: number) {
    const [ingredients, tags] = [
      await repo.ingredientsOf([record.id], tx),
      await repo.tagsOf([record.id], tx),
    ];
    return toRecipe(
      record,
      ingredients,
      tags.map((row) => row.tag),
      servings,
    );
  }

  async function read(actor: Actor | null, id: string, tx: Executor, servings?: number) {
    const record = ensureViewable(actor, await repo.findById(id, viewerOf(actor), tx));
    return load(record, tx, servings);
  }

  function resolveList(actor: Actor | null, query: ListRecipesQuery) {
    if (query.sort === "relevance" && query.q === undefined) {
      throw new BadRequestError("relevance_needs_q", {
        detail: "Sorting by relevance needs a search query `q`.",
        errors: [{ path: "querystring.sort", message: "relevance needs q" }],
      });
    }
    const cursor = decodeOptionalCursor(query.cursor, ListCursor);
    if (cursor && cursor.s !== query.sort) {
      throw new BadRequestError("invalid_cursor", { detail: "The cursor is for another sort." });
    }
    return {
      viewerId: viewerOf(actor),
      q: query.q,
      tags: query.tag ?? [],
      ingredientWords: query.ingredient === undefined ? [] : searchWords(query.ingredient),
      maxTotalMinutes: query.maxTotalMinutes,
      authorId: query.author === "me" ? ensureSignedIn(actor).userId : query.author,
      visibility: query.visibility,
      sort: query.sort as Sort,
      after: cursor?.k,
      limit: query.limit,
    };
  }

  async function summaries<T extends SummaryRecord>(
    records: T[],
    tx: Executor = db,
  ): Promise<Map<string, RecipeSummary>> {
    const tags = groupBy(
      await repo.tagsOf(
        records.map((record) => record.id),
        tx,
      ),
      (row) => row.tag,
    );
    return new Map(
      records.map((record) => [record.id, toSummary(record, tags.get(record.id) ?? [])]),
    );
  }

  return {
    async create(actor: Actor, input: CreateRecipeInput): Promise<Recipe> {
      const now = clock.now();
      const { ingredients, tags, ...fields } = input;
      const authorName = await repo.authorName(actor.userId);
      if (authorName === undefined) throw new UnauthorizedError("unauthorized");
      // One statement writes it all; the answer is built from what was written (the row as
      // returned, the validated children) rather than read back.
      const record = await repo.create(
        { ...fields, authorId: actor.userId, createdAt: now, updatedAt: now },
        ingredients,
        tags,
        tagCountChanges(null, { tags, visibility: fields.visibility }),
      );
      const children = ingredients.map((ingredient, position) => ({
        ...ingredient,
        recipeId: record.id,
        position,
      }));
      return toRecipe({ ...record, authorName, favorited: false }, children, sortTags(tags));
    },

    /** A recipe the caller may see, optionally scaled to `servings`. */
    get(actor: Actor | null, id: string, servings?: number): Promise<Recipe> {
      return read(actor, id, db, servings);
    },

    /** Partial update; lists replace whole. `ifMatch` (a version) guards against lost updates. */
    async update(
      actor: Actor,
      id: string,
      input: UpdateRecipeInput,
      ifMatch?: number,
    ): Promise<Recipe> {
      return db.transaction(async (tx) => {
        const locked = ensureEditable(actor, await repo.lockById(id, tx));
        if (ifMatch !== undefined && ifMatch !== locked.version) {
          throw versionMismatch(locked.version);
        }
        const current = await read(actor, id, tx);
        const { ingredients, tags, ...fields } = input;
        const values = merge(current, fields, clock.now());
        await repo.update(
          id,
          values,
          ingredients ?? current.ingredients,
          {
            ingredients: ingredients !== undefined,
            tags,
          },
          tx,
        );
        const after = { tags: tags ?? current.tags, visibility: values.visibility };
        await repo.adjustTagCounts(tagCountChanges(current, after), tx);
        return read(actor, id, tx);
      });
    },

    async remove(actor: Actor, id: string, ifMatch?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const locked = ensureEditable(actor, await repo.lockById(id, tx));
        if (ifMatch !== undefined && ifMatch !== locked.version) {
          throw versionMismatch(locked.version);
        }
        const tags = (await repo.tagsOf([id], tx)).map((row) => row.tag);
        await repo.remove(id, tx);
        await repo.adjustTagCounts(
          tagCountChanges({ tags, visibility: locked.visibility }, null),
          tx,
        );
      });
    },

    /** Two statements per page, whatever its size: the summaries, then their tags. */
    async list(actor: Actor | null, query: ListRecipesQuery): Promise<Page<RecipeSummary>> {
      const params = resolveList(actor, query);
      if (params.q !== undefined && searchWords(params.q).length === 0) {
        return { items: [], nextCursor: null };
      }
      if (query.ingredient !== undefined && params.ingredientWords.length === 0) {
        return { items: [], nextCursor: null };
      }
      const rows = await repo.list(params);
      const kept = rows.slice(0, params.limit);
      const byId = await summaries(kept);
      return toPage(
        rows,
        params.limit,
        (row) => ({ s: params.sort, k: [row.sortKey, row.id] }),
        (row) => byId.get(row.id) as RecipeSummary,
      );
    },

    /** Summaries of recipes the caller may see, in the order of `ids`; others are left out. */
    async summariesOf(actor: Actor | null, ids: string[]): Promise<RecipeSummary[]> {
      const records = (await repo.summariesByIds(ids, viewerOf(actor))).filter((record) =>
        canView(actor, record),
      );
      const byId = await summaries(records);
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** Checks the caller may see the recipe; 404 otherwise. */
    async ensureViewable(actor: Actor | null, id: string): Promise<void> {
      const [access] = await repo.accessOf([id]);
      ensureViewable(actor, access);
    },

    /** Servings and ingredients of recipes the caller may see; any other id is a 404. */
    async ingredientsOf(actor: Actor, ids: string[]) {
      const unique = [...new Set(ids)];
      const access = new Map((await repo.accessOf(unique)).map((row) => [row.id, row]));
      for (const id of unique) ensureViewable(actor, access.get(id));
      const ingredients = groupBy(await repo.ingredientsOf(unique), (row) => row);
      return new Map(
        unique.map((id) => [
          id,
          { servings: access.get(id)?.servings ?? 1, ingredients: ingredients.get(id) ?? [] },
        ]),
      );
    },
  };
}

export type RecipesService = ReturnType<typeof createRecipesService>;
