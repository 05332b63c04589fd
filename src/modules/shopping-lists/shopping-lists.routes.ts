import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { actorOf } from "../../lib/auth.plugin.ts";
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
      config: {
        auth: "required",
        // A read sent as POST (GraphQL's `shoppingList` is a query): it stores nothing.
        allowUnverifiedEmail: true,
        errors: {
          404: "`recipe_not_found`: one of the recipes does not exist or is private to someone else",
        },
      },
      schema: {
        operationId: "buildShoppingList",
        tags: ["shopping-list"],
        summary: "Add up the ingredients of several recipes, converting compatible units",
        body: ShoppingListBody,
        response: { 200: ShoppingListSchema },
      },
    },
    async (request) => shoppingLists.build(actorOf(request), request.body),
  );
};
