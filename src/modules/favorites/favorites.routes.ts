import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../../lib/auth.plugin.ts";
import { PageQuerySchema } from "../../lib/pagination.ts";
import { RecipeParams, RecipeSummaryPageSchema } from "../recipes/recipes.schema.ts";
import type { FavoritesService } from "./favorites.service.ts";

type Options = { favorites: FavoritesService };

const tags = ["favorites"];
const NoContent = z.null().describe("Done");

export const favoritesRoutes: FastifyPluginAsyncZod<Options> = async (app, { favorites }) => {
  app.put(
    "/api/recipes/:id/favorite",
    {
      config: {
        auth: "required",
        errors: { 404: "`recipe_not_found`: no such recipe, or a private one of someone else" },
      },
      schema: {
        operationId: "favoriteRecipe",
        tags,
        summary: "Favorite a recipe (idempotent)",
        params: RecipeParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await favorites.favorite(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    "/api/recipes/:id/favorite",
    {
      config: {
        auth: "required",
        errors: { 404: "`recipe_not_found`: no such recipe, or a private one of someone else" },
      },
      schema: {
        operationId: "unfavoriteRecipe",
        tags,
        summary: "Unfavorite a recipe (idempotent)",
        params: RecipeParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await favorites.unfavorite(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/me/favorites",
    {
      config: {
        auth: "required",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listFavorites",
        tags,
        summary: "Your favorite recipes, most recently favorited first",
        querystring: PageQuerySchema,
        response: { 200: RecipeSummaryPageSchema },
      },
    },
    async (request) => favorites.list(actorOf(request), request.query),
  );
};
