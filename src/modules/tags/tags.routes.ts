import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { PageQuerySchema } from "../../lib/pagination.ts";
import { TagPageSchema } from "./tags.schema.ts";
import type { TagsService } from "./tags.service.ts";

type Options = { tags: TagsService };

export const tagsRoutes: FastifyPluginAsyncZod<Options> = async (app, { tags }) => {
  app.get(
    "/api/tags",
    {
      config: {
        auth: "optional",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listTags",
        tags: ["recipes"],
        summary: "Tags of public recipes, most used first",
        querystring: PageQuerySchema,
        response: { 200: TagPageSchema },
      },
    },
    async (request) => tags.list(request.query),
  );
};
