import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../../lib/auth.plugin.ts";
import {
  ExportPageSchema,
  ExportParams,
  ExportSchema,
  ListExportsQuery,
} from "./exports.schema.ts";
import type { ExportsService } from "./exports.service.ts";

type Options = { exports: ExportsService };

const tags = ["your data"];

export const exportsRoutes: FastifyPluginAsyncZod<Options> = async (app, { exports }) => {
  app.post(
    "/api/me/exports",
    {
      config: {
        auth: "required",
        errors: { 429: "`export_limit_reached`: too many exports today; see `Retry-After`" },
      },
      schema: {
        operationId: "startExport",
        tags,
        summary: "Start an export of your data (or get the one in progress)",
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
      config: {
        auth: "required",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listExports",
        tags,
        summary: "Your exports, newest first",
        querystring: ListExportsQuery,
        response: { 200: ExportPageSchema },
      },
    },
    async (request) => exports.list(actorOf(request), request.query),
  );

  app.get(
    "/api/me/exports/:id",
    {
      config: { auth: "required", errors: { 404: "`export_not_found`: no such export of yours" } },
      schema: {
        operationId: "getExport",
        tags,
        summary: "One of your exports",
        params: ExportParams,
        response: { 200: ExportSchema },
      },
    },
    async (request) => exports.get(actorOf(request), request.params.id),
  );

  app.get(
    "/api/me/exports/:id/download",
    {
      config: {
        auth: "required",
        errors: {
          404: "`export_not_found`: no such export of yours",
          409: "`export_not_ready`: the export has not finished",
        },
      },
      schema: {
        operationId: "downloadExport",
        tags,
        summary: "Download a finished export as a JSON file",
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
