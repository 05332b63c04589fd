import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../lib/logger.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { Readiness } from "../modules/health/health.service.ts";

type WorkerHttpOptions = {
  host: string;
  port: number;
  readiness: () => Promise<Readiness>;
  metrics: Metrics;
  logger: Logger;
};

export type WorkerHttp = { url: string; close(): Promise<void> };

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));

function problem(res: ServerResponse, status: 404 | 405, url: string): void {
  const body = {
    type: "about:blank",
    title: status === 404 ? "Not Found" : "Method Not Allowed",
    status,
    detail: "This port answers GET /health/live, /health/ready and /metrics",
    instance: url,
    code: status === 404 ? "not_found" : "method_not_allowed",
  };
  if (status === 405) res.setHeader("allow", "GET, HEAD");
  send(res, status, "application/problem+json", JSON.stringify(body));
}

async function route(req: IncomingMessage, res: ServerResponse, options: WorkerHttpOptions) {
  const path = (req.url ?? "/").split("?")[0] as string;
  if (req.method !== "GET" && req.method !== "HEAD") return problem(res, 405, path);
  if (path === "/health/live") return json(res, 200, { status: "ok" });
  if (path === "/health/ready") {
    const readiness = await options.readiness();
    return json(res, readiness.status === "ready" ? 200 : 503, readiness);
  }
  if (path === "/metrics") {
    const { registry } = options.metrics;
    return send(res, 200, registry.contentType, await registry.metrics());
  }
  problem(res, 404, path);
}

/**
 * The worker's own small HTTP endpoint: liveness, readiness and Prometheus metrics, nothing
 * else. node:http rather than Fastify: three fixed answers need no router, schemas or plugins.
 */
export async function startWorkerHttp(options: WorkerHttpOptions): Promise<WorkerHttp> {
  const { host, port, logger } = options;
  const server = createServer((req, res) => {
    route(req, res, options).catch((error: unknown) => {
      logger.error({ err: error }, "worker http request failed");
      if (!res.headersSent) json(res, 500, { status: "error" });
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") return reject(error);
      reject(
        new Error(
          `worker HTTP port ${host}:${port} is in use: give each worker on this host its own WORKER_HTTP_PORT (0 picks a free one) or set it to off`,
        ),
      );
    });
    server.listen({ host, port }, resolve);
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostPart}:${address.port}`;
  logger.info({ url }, `worker health and metrics at ${url}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
