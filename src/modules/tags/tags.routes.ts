import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PageQuerySchema, pageSchema } from "../../lib/pagination.ts";
import type { TagsService } from "./tags.service.ts";

type Options = { tags: TagsService };

const TagSchema = z
  .object({ name: z.string(), count: z.number().int().describe("Public recipes with it") })
  .meta({ id: "Tag" });
const TagPageSchema = pageSchema(TagSchema);

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
