import type { FastifyReply, FastifyRequest } from "fastify";

// Everything under these answers with tokens or personal data, to anonymous callers too (a login,
// a refresh, a registration carry tokens; the development mailbox carries reset links).
const PRIVATE_PATH = /^\/api\/(?:auth|admin|me|dev)(?:[/?#]|$)/;

/**
 * `Cache-Control: no-store` on every response that may carry tokens or personal data, so no
 * browser, proxy or CDN keeps a copy: every answer to an authenticated request, and every answer
 * under the private paths above. A route that sets its own Cache-Control keeps it. Called from
 * the app's one onSend hook (a hook of its own cost a dispatch per request); an anonymous public
 * read (a recipe) pays one property check and one regular-expression test.
 */
export function markNoStore(request: FastifyRequest, reply: FastifyReply): void {
  if ((request.actor || PRIVATE_PATH.test(request.url)) && !reply.hasHeader("cache-control")) {
    reply.header("cache-control", "no-store");
  }
}
