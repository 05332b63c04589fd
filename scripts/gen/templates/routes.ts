import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
// gen:if actor
import { actorOf } from "../../lib/auth.plugin.ts";
// gen:end
import { etagOf, versionFromIfMatch } from "../../lib/etag.ts";
import {
  __Name__PageSchema,
  __Name__Params,
  __Name__Schema,
  Create__Name__Body,
  List__Names__Query,
  Update__Name__Body,
} from "./__module__.schema.ts";
import type { __Names__Service } from "./__module__.service.ts";

type Options = { __names__: __Names__Service };

const tags = ["__module__"];
const IfMatchHeaders = z.object({
  "if-match": z.string().max(200).optional().describe('The `ETag` you read, e.g. `"3"`'),
});

export const __names__Routes: FastifyPluginAsyncZod<Options> = async (app, { __names__ }) => {
  app.post(
    "/api/__module__",
    {
      // gen:if refs
      config: {
        auth: "required",
        errors: { 400: "`reference_not_found`: a referenced row does not exist" },
      },
      // gen:end
      // gen:if !refs
      config: { auth: "required" },
      // gen:end
      schema: {
        operationId: "create__Name__",
        tags,
        summary: "Create a __label__",
        body: Create__Name__Body,
        response: { 201: __Name__Schema },
      },
    },
    async (request, reply) => {
      // gen:if owned
      const created = await __names__.create(actorOf(request), request.body);
      // gen:end
      // gen:if !owned
      const created = await __names__.create(request.body);
      // gen:end
      reply.header("location", `/api/__module__/${created.id}`).header("etag", etagOf(created.version));
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/api/__module__",
    {
      // gen:if private
      config: {
        auth: "required",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "list__Names__",
        tags,
        summary: "List your __labels__, newest first",
        querystring: List__Names__Query,
        response: { 200: __Name__PageSchema },
      },
      // gen:end
      // gen:if public
      config: {
        auth: "optional",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "list__Names__",
        tags,
        summary: "List __labels__, newest first",
        querystring: List__Names__Query,
        response: { 200: __Name__PageSchema },
      },
      // gen:end
    },
    // gen:if private
    async (request) => __names__.list(actorOf(request), request.query),
    // gen:end
    // gen:if public
    async (request) => __names__.list(request.query),
    // gen:end
  );

  app.get(
    "/api/__module__/:id",
    {
      // gen:if private
      config: { auth: "required", errors: { 404: "__notFound__" } },
      schema: {
        operationId: "get__Name__",
        tags,
        summary: "Read one of your __labels__",
        params: __Name__Params,
        response: { 200: __Name__Schema },
      },
      // gen:end
      // gen:if public
      config: { auth: "optional", errors: { 404: "__notFound__" } },
      schema: {
        operationId: "get__Name__",
        tags,
        summary: "Read a __label__",
        params: __Name__Params,
        response: { 200: __Name__Schema },
      },
      // gen:end
    },
    async (request, reply) => {
      // gen:if private
      const found = await __names__.get(actorOf(request), request.params.id);
      // gen:end
      // gen:if public
      const found = await __names__.get(request.params.id);
      // gen:end
      return reply.header("etag", etagOf(found.version)).send(found);
    },
  );

  app.patch(
    "/api/__module__/:id",
    {
      config: {
        auth: "required",
        errors: {
          // gen:if refs
          400: "`reference_not_found`: a referenced row does not exist",
          // gen:end
          // gen:if forbidden
          403: "`not___code___owner`: only the owner or an administrator may change it",
          // gen:end
          404: "__notFound__",
          412: "`version_mismatch`: `If-Match` names another version; read it again",
        },
      },
      schema: {
        operationId: "update__Name__",
        tags,
        summary: "Change a __label____ownerOnly__",
        description: "Send `If-Match` with the ETag you read; without it the change applies.",
        params: __Name__Params,
        headers: IfMatchHeaders,
        body: Update__Name__Body,
        response: { 200: __Name__Schema },
      },
    },
    async (request, reply) => {
      const ifMatch = versionFromIfMatch(request.headers["if-match"]);
      // gen:if owned
      const { id } = request.params;
      const updated = await __names__.update(actorOf(request), id, request.body, ifMatch);
      // gen:end
      // gen:if !owned
      const updated = await __names__.update(request.params.id, request.body, ifMatch);
      // gen:end
      return reply.header("etag", etagOf(updated.version)).send(updated);
    },
  );

  app.delete(
    "/api/__module__/:id",
    {
      config: {
        auth: "required",
        errors: {
          // gen:if forbidden
          403: "`not___code___owner`: only the owner or an administrator may delete it",
          // gen:end
          404: "__notFound__",
          412: "`version_mismatch`: `If-Match` names another version; read it again",
        },
      },
      schema: {
        operationId: "delete__Name__",
        tags,
        summary: "Delete a __label____ownerOnly__",
        params: __Name__Params,
        headers: IfMatchHeaders,
        response: { 204: z.null().describe("Deleted") },
      },
    },
    async (request, reply) => {
      const ifMatch = versionFromIfMatch(request.headers["if-match"]);
      // gen:if owned
      await __names__.remove(actorOf(request), request.params.id, ifMatch);
      // gen:end
      // gen:if !owned
      await __names__.remove(request.params.id, ifMatch);
      // gen:end
      return reply.code(204).send(null);
    },
  );
};
