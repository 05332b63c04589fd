import {
  GraphQLBoolean,
  type GraphQLFieldConfigMap,
  type GraphQLInputType,
  GraphQLObjectType,
  GraphQLSchema,
} from "graphql";
import { assertMayWrite } from "../lib/verified-email.ts";
import { ExportPageSchema, ExportSchema } from "../modules/exports/exports.schema.ts";
import { RateBody, RatingPageSchema, RatingSchema } from "../modules/ratings/ratings.schema.ts";
import {
  CreateRecipeBody,
  GetRecipeQuery,
  ListRecipesQuery,
  RecipeSchema,
  RecipeSummaryPageSchema,
  UpdateRecipeBody,
} from "../modules/recipes/recipes.schema.ts";
import {
  ShoppingListBody,
  ShoppingListSchema,
} from "../modules/shopping-lists/shopping-lists.schema.ts";
import { TagPageSchema } from "../modules/tags/tags.schema.ts";
import { UserSchema } from "../modules/users/users.schema.ts";
import { createGraphqlHelpers, type Fields, type GraphqlContribution } from "./contribution.ts";
import { createTypeBuilder } from "./from-zod.ts";
import { type Context, mutation, PAGE_ARGS, query } from "./resolvers.ts";

/** The modules' parts, after the built-in fields below, in this order (./contribution.ts). */
const MODULES: GraphqlContribution[] = [
  // gen:graphql-modules (`npm run gen` adds module parts above this line)
];

/**
 * The GraphQL schema, code-first: every type comes from a REST schema (./from-zod.ts), and
 * only the operations are written here and in the modules' parts. Lists answer the REST page,
 * `{ items, nextCursor }`: `first` is the page size (1–100, default 20), `after` the
 * `nextCursor` of the page before. Root fields are nullable so that one failing field leaves the
 * others' data in the answer.
 */
export function createGraphqlSchema(modules: GraphqlContribution[] = MODULES): GraphQLSchema {
  const types = createTypeBuilder({
    enumNames: { "Export.status": "ExportStatus", "Query.sort": "RecipeSort" },
    extraFields: (name): GraphQLFieldConfigMap<never, never> =>
      name === "Recipe" || name === "RecipeSummary"
        ? {
            ratings: {
              type: ratingPage,
              description: "Ratings of the recipe, newest first",
              args: pageArgs(),
              // Resolved by a loader (./graphql.routes.ts), batched across the recipes.
            },
          }
        : {},
  });
  const ratingPage = types.output(RatingPageSchema);
  types.output(RatingSchema);
  const recipe = types.output(RecipeSchema);
  const recipePage = types.output(RecipeSummaryPageSchema);
  const helpers = createGraphqlHelpers(types);
  const { pageArgs, id, expectedVersion, input } = helpers;
  const { type, description } = types.input(ShoppingListBody).getFields().recipes ?? {};
  const shoppingListRecipes = { type: type as GraphQLInputType, description };
  const done = { type: GraphQLBoolean, description: "true once done (idempotent)" };

  const queryFields: Fields = {
    me: { type: types.output(UserSchema), resolve: query.me },
    recipe: {
      type: recipe,
      args: { id, ...types.args(GetRecipeQuery) },
      resolve: query.recipe,
    },
    recipes: {
      type: recipePage,
      description: "Search and list recipes the caller may see (as `GET /api/recipes`)",
      args: types.args(ListRecipesQuery, PAGE_ARGS),
      resolve: query.recipes,
    },
    tags: { type: types.output(TagPageSchema), args: pageArgs(), resolve: query.tags },
    myFavorites: { type: recipePage, args: pageArgs(), resolve: query.myFavorites },
    myExports: { type: types.output(ExportPageSchema), args: pageArgs(), resolve: query.myExports },
    shoppingList: {
      type: types.output(ShoppingListSchema),
      args: { recipes: shoppingListRecipes },
      resolve: query.shoppingList,
    },
  };

  const mutationFields: Fields = {
    createRecipe: {
      type: recipe,
      args: { input: input(CreateRecipeBody) },
      resolve: mutation.createRecipe,
    },
    updateRecipe: {
      type: recipe,
      args: { id, input: input(UpdateRecipeBody), expectedVersion },
      resolve: mutation.updateRecipe,
    },
    deleteRecipe: {
      type: GraphQLBoolean,
      description: "true once deleted",
      args: { id, expectedVersion },
      resolve: mutation.deleteRecipe,
    },
    rateRecipe: {
      type: types.output(RatingSchema),
      args: { id, input: input(RateBody) },
      resolve: mutation.rateRecipe,
    },
    unrateRecipe: { ...done, args: { id }, resolve: mutation.unrateRecipe },
    favoriteRecipe: { ...done, args: { id }, resolve: mutation.favoriteRecipe },
    unfavoriteRecipe: { ...done, args: { id }, resolve: mutation.unfavoriteRecipe },
    requestExport: {
      type: types.output(ExportSchema),
      description: "Start an export of your data (or get the one in progress)",
      resolve: mutation.requestExport,
    },
  };

  const queries = [queryFields];
  const mutations = [mutationFields];
  for (const part of modules) {
    types.settle();
    const fields = part(types, helpers);
    queries.push(fields.query ?? {});
    mutations.push(fields.mutation ?? {});
  }
  return new GraphQLSchema({
    query: rootType("Query", queries),
    mutation: rootType("Mutation", mutations.map(checkingVerifiedEmail)),
  });
}

/**
 * Every mutation, the modules' included, refuses an unverified account as REST's write routes
 * do under REQUIRE_VERIFIED_EMAIL (src/lib/verified-email.ts), before its resolver runs.
 */
function checkingVerifiedEmail(fields: Fields): Fields {
  return Object.fromEntries(
    Object.entries(fields).map(([name, config]) => {
      const resolve = config.resolve;
      if (!resolve) return [name, config];
      return [
        name,
        {
          ...config,
          resolve: (source: unknown, args: Record<string, unknown>, ctx: Context, info: never) => {
            if (ctx.requireVerifiedEmail) assertMayWrite(ctx.actor);
            return resolve(source, args, ctx, info);
          },
        },
      ];
    }),
  );
}

function rootType(name: string, parts: Fields[]): GraphQLObjectType {
  const fields: Fields = {};
  for (const [field, config] of parts.flatMap((part) => Object.entries(part))) {
    if (field in fields) throw new Error(`GraphQL: ${name}.${field} is defined twice`);
    fields[field] = config;
  }
  return new GraphQLObjectType({ name, fields });
}
