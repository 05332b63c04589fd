import type { FastifyInstance } from "fastify";
import { sendProblem } from "./error-handler.ts";

type KnownPath = { pattern: RegExp; methods: Set<string> };

function toPattern(url: string): RegExp {
  const escaped = url
    .split("/")
    .map((segment) =>
      segment.startsWith(":")
        ? "[^/]+"
        : segment === "*"
          ? ".*"
          : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("/");
  return new RegExp(`^${escaped}/?$`);
}

/**
 * Unknown paths get 404; a known path with an unknown method gets 405 with `Allow`,
 * which Fastify alone does not do.
 */
export function registerNotFound(app: FastifyInstance): void {
  const known = new Map<string, KnownPath>();
  app.addHook("onRoute", (route) => {
    // The CORS preflight catch-all would otherwise make every path look known.
    if (route.url === "*") return;
    const entry = known.get(route.url) ?? { pattern: toPattern(route.url), methods: new Set() };
    for (const method of [route.method].flat()) entry.methods.add(method);
    known.set(route.url, entry);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const allowed = new Set<string>();
    for (const entry of known.values()) {
      if (entry.pattern.test(path)) for (const method of entry.methods) allowed.add(method);
    }
    if (allowed.size > 0 && !allowed.has(request.method)) {
      reply.header("allow", [...allowed].sort().join(", "));
      return sendProblem(
        reply,
        405,
        "method_not_allowed",
        `${request.method} is not allowed here.`,
      );
    }
    return sendProblem(reply, 404, "route_not_found", `No route for ${request.method} ${path}.`);
  });
}
