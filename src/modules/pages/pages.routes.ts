import type { FastifyPluginAsync } from "fastify";
import { pageHeaders, useHeaders } from "../../lib/security-headers.ts";
import {
  confirmEmailChangePage,
  PAGE_CSP,
  resetPasswordPage,
  undoEmailChangePage,
  verifyEmailPage,
} from "./pages.html.ts";

const PAGES = [
  ["/verify-email", verifyEmailPage],
  ["/reset-password", resetPasswordPage],
  ["/confirm-email", confirmEmailChangePage],
  ["/undo-email-change", undoEmailChangePage],
] as const;

/**
 * The pages the links in auth mails open (`APP_URL/verify-email?token=…`,
 * `APP_URL/reset-password?token=…`, `/confirm-email` and `/undo-email-change`) while no front end serves them. Pages, not API: left out of
 * the OpenAPI document. The token in their address is kept out of caches, Referer headers and logs.
 */
export const pagesRoutes: FastifyPluginAsync = async (app) => {
  useHeaders(
    app,
    pageHeaders(PAGE_CSP, {
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    }),
  );
  for (const [url, html] of PAGES) {
    app.get(url, { schema: { hide: true }, config: { logQuery: false } }, async (_request, reply) =>
      reply.type("text/html; charset=utf-8").send(html),
    );
  }
};
