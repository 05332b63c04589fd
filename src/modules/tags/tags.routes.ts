import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PageQuerySchema, pageSchema } from "../../lib/pagination.ts";
import type { TagsService } from "./tags.service.ts";

type Options = { tags: TagsService };

const TagPageSchema = pageSchema(z.object({ name: z.string(), count: z.number().int() }));

export const tagsRoutes: FastifyPluginAsyncZod<Options> = async (app, { tags }) => {
  app.get(
    "/api/tags",
    {
      config: { auth: "optional" },
      schema: {
        tags: ["recipes"],
        summary: "Tags of public recipes, most used first",
        querystring: PageQuerySchema,
        response: { 200: TagPageSchema },
      },
    },
    async (request) => tags.list(request.query),
  );
};
