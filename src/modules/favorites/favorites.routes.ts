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
      config: { auth: "required" },
      schema: {
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
      config: { auth: "required" },
      schema: {
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
      config: { auth: "required" },
      schema: {
        tags,
        summary: "Your favorite recipes, most recently favorited first",
        querystring: PageQuerySchema,
        response: { 200: RecipeSummaryPageSchema },
      },
    },
    async (request) => favorites.list(actorOf(request), request.query),
  );
};
