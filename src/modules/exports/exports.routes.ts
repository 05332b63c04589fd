import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requireAuth } from "../../lib/auth.plugin.ts";
import {
  ExportPageSchema,
  ExportParams,
  ExportSchema,
  ListExportsQuery,
} from "./exports.schema.ts";
import type { ExportsService } from "./exports.service.ts";

type Options = { exports: ExportsService };

const tags = ["your data"];
const security = [{ bearerAuth: [] }];

export const exportsRoutes: FastifyPluginAsyncZod<Options> = async (app, { exports }) => {
  app.post(
    "/api/me/exports",
    {
      preHandler: requireAuth,
      schema: {
        tags,
        summary: "Start an export of your data (or get the one in progress)",
        security,
        response: { 202: ExportSchema },
      },
    },
    async (request, reply) => {
      const started = await exports.request(actorOf(request));
      return reply.code(202).header("location", `/api/me/exports/${started.id}`).send(started);
    },
  );

  app.get(
    "/api/me/exports",
    {
      preHandler: requireAuth,
      schema: {
        tags,
        summary: "Your exports, newest first",
        security,
        querystring: ListExportsQuery,
        response: { 200: ExportPageSchema },
      },
    },
    async (request) => exports.list(actorOf(request), request.query),
  );

  app.get(
    "/api/me/exports/:id",
    {
      preHandler: requireAuth,
      schema: {
        tags,
        summary: "One of your exports",
        security,
        params: ExportParams,
        response: { 200: ExportSchema },
      },
    },
    async (request) => exports.get(actorOf(request), request.params.id),
  );

  app.get(
    "/api/me/exports/:id/download",
    {
      preHandler: requireAuth,
      schema: {
        tags,
        summary: "Download a finished export as a JSON file",
        security,
        params: ExportParams,
        response: { 200: z.any().describe("The export document (application/json attachment)") },
      },
    },
    async (request, reply) => {
      const { stream, filename } = await exports.download(actorOf(request), request.params.id);
      reply.header("content-disposition", `attachment; filename="${filename}"`);
      return reply.type("application/json").send(stream);
    },
  );
};
