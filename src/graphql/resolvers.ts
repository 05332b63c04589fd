import type { z } from "zod";
import type { Actor } from "../lib/actor.ts";
import { BadRequestError, UnauthorizedError } from "../lib/errors.ts";
import { type PageQuery, PageQuerySchema } from "../lib/pagination.ts";
import type { ExportsService } from "../modules/exports/exports.service.ts";
import type { FavoritesService } from "../modules/favorites/favorites.service.ts";
import { RateBody } from "../modules/ratings/ratings.schema.ts";
import type { RatingsService } from "../modules/ratings/ratings.service.ts";
import {
  CreateRecipeBody,
  GetRecipeQuery,
  ListRecipesQuery,
  RecipeParams,
  UpdateRecipeBody,
} from "../modules/recipes/recipes.schema.ts";
import type { RecipesService } from "../modules/recipes/recipes.service.ts";
import { ShoppingListBody } from "../modules/shopping-lists/shopping-lists.schema.ts";
import type { ShoppingListsService } from "../modules/shopping-lists/shopping-lists.service.ts";
import type { TagsService } from "../modules/tags/tags.service.ts";
import type { UsersService } from "../modules/users/users.service.ts";

/**
 * What each operation does: parse its arguments with the zod schema the REST route validates
 * with, call the one service method the route calls, return what it returns. No rule of its own.
 */

export type GraphqlServices = {
  recipes: RecipesService;
  ratings: RatingsService;
  favorites: FavoritesService;
  tags: TagsService;
  exports: ExportsService;
  shoppingLists: ShoppingListsService;
  users: UsersService;
  // gen:graphql-services (`npm run gen` adds module services above this line)
};

export type Context = {
  actor: Actor | null;
  services: GraphqlServices;
  /** REQUIRE_VERIFIED_EMAIL: every mutation applies REST's rule for writes. */
  requireVerifiedEmail: boolean;
};
export type Args = Record<string, unknown>;

/** `first`/`after` are the REST `limit`/`cursor`. */
export const PAGE_ARGS = { limit: "first", cursor: "after" } as const;
const fromPageArgs = ({ first, after, ...rest }: Args) => ({
  ...rest,
  limit: first,
  cursor: after,
});

/** Absent and null mean the same for an optional argument; zod's `.optional()` takes only the first. */
const withoutNulls = (args: Args) =>
  Object.fromEntries(Object.entries(args).filter(([, value]) => value !== null));

/** A list's arguments as its REST query string carries them; a `Boolean` filter is text there. */
export const listArgsOf = (args: Args) =>
  Object.fromEntries(
    Object.entries(withoutNulls(fromPageArgs(args))).map(([name, value]) => [
      name,
      typeof value === "boolean" ? String(value) : value,
    ]),
  );

/** Parses with the REST schema; a refusal is `validation_failed` with each field's path. */
export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix?: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const names: Record<string, string> = PAGE_ARGS;
  const errors = result.error.issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const path = [prefix, head === undefined ? undefined : (names[head] ?? head), ...rest];
    return { path: path.filter(Boolean).join(".") || (prefix ?? ""), message: issue.message };
  });
  throw new BadRequestError("validation_failed", { detail: "The request is invalid.", errors });
}

/** The operations REST declares `auth: "required"`. */
export function signedIn(ctx: Context): Actor {
  if (!ctx.actor) {
    throw new UnauthorizedError("unauthorized", { detail: "Sign in with a Bearer access token." });
  }
  return ctx.actor;
}

const idOf = (args: Args) => parse(RecipeParams, { id: args.id }).id;
const pageOf = (args: Args) => parse(PageQuerySchema, withoutNulls(fromPageArgs(args)));
export const versionOf = (args: Args) => (args.expectedVersion ?? undefined) as number | undefined;

export const query = {
  me: (_: unknown, _args: Args, ctx: Context) => ctx.services.users.me(signedIn(ctx)),
  recipe(_: unknown, args: Args, ctx: Context) {
    const { servings } = parse(GetRecipeQuery, withoutNulls({ servings: args.servings }));
    return ctx.services.recipes.get(ctx.actor, idOf(args), servings);
  },
  recipes(_: unknown, args: Args, ctx: Context) {
    return ctx.services.recipes.list(
      ctx.actor,
      parse(ListRecipesQuery, withoutNulls(fromPageArgs(args))),
    );
  },
  tags: (_: unknown, args: Args, ctx: Context) => ctx.services.tags.list(pageOf(args)),
  myFavorites: (_: unknown, args: Args, ctx: Context) =>
    ctx.services.favorites.list(signedIn(ctx), pageOf(args)),
  myExports: (_: unknown, args: Args, ctx: Context) =>
    ctx.services.exports.list(signedIn(ctx), pageOf(args)),
  shoppingList(_: unknown, args: Args, ctx: Context) {
    const actor = signedIn(ctx);
    const input = parse(ShoppingListBody, { recipes: args.recipes });
    return ctx.services.shoppingLists.build(actor, input);
  },
};

type Asked<Parent> = { obj: Parent; params: Args };

/**
 * Fields of a recipe (in full or in a list) that call a service of their own, as mercurius
 * loaders: the field's calls of one request come together, so that `ratings` on each recipe of
 * a page is one service call (two statements) and not one per recipe.
 */
export const recipeLoaders = {
  async ratings(asked: Asked<{ id: string }>[], ctx: Context): Promise<unknown[]> {
    const answers: unknown[] = [];
    const requests: { recipeId: string; page: PageQuery; answer: number }[] = [];
    for (const [answer, { obj, params }] of asked.entries()) {
      try {
        requests.push({ recipeId: obj.id, page: pageOf(params), answer });
      } catch (error) {
        answers[answer] = error;
      }
    }
    const pages = await ctx.services.ratings.listMany(ctx.actor, requests);
    for (const [n, { answer }] of requests.entries()) answers[answer] = pages[n];
    return answers;
  },
};

export const mutation = {
  createRecipe(_: unknown, args: Args, ctx: Context) {
    const actor = signedIn(ctx);
    return ctx.services.recipes.create(actor, parse(CreateRecipeBody, args.input, "input"));
  },
  updateRecipe(_: unknown, args: Args, ctx: Context) {
    const actor = signedIn(ctx);
    const input = parse(UpdateRecipeBody, args.input, "input");
    return ctx.services.recipes.update(actor, idOf(args), input, versionOf(args));
  },
  async deleteRecipe(_: unknown, args: Args, ctx: Context) {
    await ctx.services.recipes.remove(signedIn(ctx), idOf(args), versionOf(args));
    return true;
  },
  rateRecipe(_: unknown, args: Args, ctx: Context) {
    const actor = signedIn(ctx);
    return ctx.services.ratings.rate(actor, idOf(args), parse(RateBody, args.input, "input"));
  },
  async unrateRecipe(_: unknown, args: Args, ctx: Context) {
    await ctx.services.ratings.unrate(signedIn(ctx), idOf(args));
    return true;
  },
  async favoriteRecipe(_: unknown, args: Args, ctx: Context) {
    await ctx.services.favorites.favorite(signedIn(ctx), idOf(args));
    return true;
  },
  async unfavoriteRecipe(_: unknown, args: Args, ctx: Context) {
    await ctx.services.favorites.unfavorite(signedIn(ctx), idOf(args));
    return true;
  },
  requestExport: (_: unknown, _args: Args, ctx: Context) =>
    ctx.services.exports.request(signedIn(ctx)),
};
