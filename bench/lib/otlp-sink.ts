import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * `--tracing`'s receiver: accepts OTLP/HTTP exports on loopback and discards them, counting
 * requests and bytes so the report shows spans did arrive. It runs in the harness's process, so
 * its CPU is never counted as the server's.
 */
export async function startOtlpSink(): Promise<{
  endpoint: string;
  stats: { requests: number; bytes: number };
  close(): Promise<void>;
}> {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => {
      stats.bytes += chunk.length;
    });
    request.on("end", () => {
      stats.requests++;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
