import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { actorOf, requireAuth } from "../../lib/auth.plugin.ts";
import { ShoppingListBody, ShoppingListSchema } from "./shopping-lists.schema.ts";
import type { ShoppingListsService } from "./shopping-lists.service.ts";

type Options = { shoppingLists: ShoppingListsService };

export const shoppingListsRoutes: FastifyPluginAsyncZod<Options> = async (
  app,
  { shoppingLists },
) => {
  app.post(
    "/api/shopping-list",
    {
      preHandler: requireAuth,
      schema: {
        tags: ["shopping-list"],
        summary: "Add up the ingredients of several recipes, converting compatible units",
        security: [{ bearerAuth: [] }],
        body: ShoppingListBody,
        response: { 200: ShoppingListSchema },
      },
    },
    async (request) => shoppingLists.build(actorOf(request), request.body),
  );
};
