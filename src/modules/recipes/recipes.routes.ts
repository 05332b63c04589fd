import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../../lib/auth.plugin.ts";
import { etagOf, versionFromIfMatch } from "../../lib/etag.ts";
import {
  CreateRecipeBody,
  GetRecipeQuery,
  ListRecipesQuery,
  RecipeParams,
  RecipeSchema,
  RecipeSummaryPageSchema,
  UpdateRecipeBody,
} from "./recipes.schema.ts";
import type { RecipesService } from "./recipes.service.ts";

type Options = { recipes: RecipesService };

const tags = ["recipes"];
const IfMatchHeaders = z.looseObject({
  "if-match": z.string().max(200).optional().describe('The `ETag` you read, e.g. `"3"`'),
});

export const recipesRoutes: FastifyPluginAsyncZod<Options> = async (app, { recipes }) => {
  app.post(
    "/api/recipes",
    {
      config: { auth: "required" },
      schema: {
        operationId: "createRecipe",
        tags,
        summary: "Create a recipe",
        body: CreateRecipeBody,
        response: { 201: RecipeSchema },
      },
    },
    async (request, reply) => {
      const recipe = await recipes.create(actorOf(request), request.body);
      reply.header("location", `/api/recipes/${recipe.id}`).header("etag", etagOf(recipe.version));
      return reply.code(201).send(recipe);
    },
  );

  app.get(
    "/api/recipes",
    {
      config: {
        auth: "optional",
        errors: {
          400: "`relevance_needs_q`: `sort=relevance` without `q`; `invalid_cursor`: the cursor is not one this list (and sort) gave",
        },
      },
      schema: {
        operationId: "listRecipes",
        tags,
        summary: "Search and list recipes the caller may see",
        querystring: ListRecipesQuery,
        response: { 200: RecipeSummaryPageSchema },
      },
    },
    async (request) => recipes.list(request.actor, request.query),
  );

  app.get(
    "/api/recipes/:id",
    {
      config: {
        auth: "optional",
        errors: { 404: "`recipe_not_found`: no such recipe, or a private one of someone else" },
      },
      schema: {
        operationId: "getRecipe",
        tags,
        summary: "Read a recipe, optionally scaled to a number of servings",
        params: RecipeParams,
        querystring: GetRecipeQuery,
        response: { 200: RecipeSchema },
      },
    },
    async (request, reply) => {
      const { servings } = request.query;
      const recipe = await recipes.get(request.actor, request.params.id, servings);
      // A scaled recipe is another representation; only the stored one carries the version tag.
      if (servings === undefined) reply.header("etag", etagOf(recipe.version));
      return recipe;
    },
  );

  app.patch(
    "/api/recipes/:id",
    {
      config: {
        auth: "required",
        errors: {
          403: "`not_recipe_author`: only the author or an administrator may change it",
          404: "`recipe_not_found`: no such recipe, or a private one of someone else",
          412: "`version_mismatch`: `If-Match` names another version; read it again",
        },
      },
      schema: {
        operationId: "updateRecipe",
        tags,
        summary: "Change a recipe (author or admin); lists replace whole",
        description: "Send `If-Match` with the ETag you read; without it the change applies.",
        params: RecipeParams,
        headers: IfMatchHeaders,
        body: UpdateRecipeBody,
        response: { 200: RecipeSchema },
      },
    },
    async (request, reply) => {
      const ifMatch = versionFromIfMatch(request.headers["if-match"]);
      const recipe = await recipes.update(
        actorOf(request),
        request.params.id,
        request.body,
        ifMatch,
      );
      return reply.header("etag", etagOf(recipe.version)).send(recipe);
    },
  );

  app.delete(
    "/api/recipes/:id",
    {
      config: {
        auth: "required",
        errors: {
          403: "`not_recipe_author`: only the author or an administrator may delete it",
          404: "`recipe_not_found`: no such recipe, or a private one of someone else",
          412: "`version_mismatch`: `If-Match` names another version; read it again",
        },
      },
      schema: {
        operationId: "deleteRecipe",
        tags,
        summary: "Delete a recipe (author or admin)",
        params: RecipeParams,
        headers: IfMatchHeaders,
        response: { 204: z.null().describe("Deleted") },
      },
    },
    async (request, reply) => {
      const ifMatch = versionFromIfMatch(request.headers["if-match"]);
      await recipes.remove(actorOf(request), request.params.id, ifMatch);
      return reply.code(204).send(null);
    },
  );
};
