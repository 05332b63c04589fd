import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../../lib/auth.plugin.ts";
import { RecipeParams } from "../recipes/recipes.schema.ts";
import { ListRatingsQuery, RateBody, RatingPageSchema, RatingSchema } from "./ratings.schema.ts";
import type { RatingsService } from "./ratings.service.ts";

type Options = { ratings: RatingsService };

const tags = ["ratings"];

export const ratingsRoutes: FastifyPluginAsyncZod<Options> = async (app, { ratings }) => {
  app.put(
    "/api/recipes/:id/rating",
    {
      config: {
        auth: "required",
        errors: {
          403: "`cannot_rate_own_recipe`: authors do not rate their own recipes",
          404: "`recipe_not_found`: no such recipe, or a private one of someone else",
        },
      },
      schema: {
        operationId: "rateRecipe",
        tags,
        summary: "Rate someone else's recipe (one rating per user; replaces yours)",
        params: RecipeParams,
        body: RateBody,
        response: { 200: RatingSchema },
      },
    },
    async (request) => ratings.rate(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/api/recipes/:id/rating",
    {
      config: {
        auth: "required",
        errors: { 404: "`recipe_not_found`: no such recipe, or a private one of someone else" },
      },
      schema: {
        operationId: "unrateRecipe",
        tags,
        summary: "Remove your rating (idempotent)",
        params: RecipeParams,
        response: { 204: z.null().describe("Removed") },
      },
    },
    async (request, reply) => {
      await ratings.unrate(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/recipes/:id/ratings",
    {
      config: {
        auth: "optional",
        errors: {
          400: "`invalid_cursor`: the cursor is not one this list gave",
          404: "`recipe_not_found`: no such recipe, or a private one of someone else",
        },
      },
      schema: {
        operationId: "listRatings",
        tags,
        summary: "Ratings of a recipe, newest first",
        params: RecipeParams,
        querystring: ListRatingsQuery,
        response: { 200: RatingPageSchema },
      },
    },
    async (request) => ratings.list(request.actor, request.params.id, request.query),
  );
};
