import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import helmet, { type HelmetOptions } from "helmet";

/**
 * The headers helmet sets for a configuration, computed once by running its middleware on a
 * recording response. Only a static configuration qualifies: a CSP directive that is a
 * function (a per-request nonce) is refused.
 */
export function helmetHeaders(options: HelmetOptions = {}): Record<string, string> {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === "object" ? Object.values(csp.directives ?? {}) : [];
  if (directives.some((value) => [value].flat().some((part) => typeof part === "function"))) {
    throw new Error("per-request CSP directives cannot be computed once");
  }
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error) => {
    failure = error;
  });
  if (failure) throw failure;
  return headers;
}

/**
 * Helmet's security headers on every response. They depend on the configuration only, so they
 * are computed at start-up and each request just adds them: the Fastify wrapper built a new
 * helmet middleware per request (its CSP directives parsed each time, ~3% of a by-id read's CPU
 * time), and even a prebuilt one sets each header through Node's `setHeader` one by one.
 */
export function registerSecurityHeaders(app: FastifyInstance, options?: HelmetOptions): void {
  useHeaders(app, helmetHeaders(options));
}

/**
 * Helmet's headers for an HTML page the API serves itself (`/docs`, the account pages), with the
 * page's own CSP in place of the API's. The policy has no `upgrade-insecure-requests`: with it a
 * browser fetched every asset of a page opened over plain http by any host name but localhost
 * over https instead, where nothing answers, and showed a blank page.
 */
export function pageHeaders(
  directives: Record<string, string[]>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const headers = helmetHeaders({ contentSecurityPolicy: { useDefaults: false, directives } });
  return { ...headers, ...extra };
}

/**
 * Sets precomputed headers on every response of the routes registered in `scope`. A plugin's
 * hooks run after the application's, so a page's set replaces the API's strict one there.
 */
export function useHeaders(scope: FastifyInstance, headers: Record<string, string>): void {
  scope.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
