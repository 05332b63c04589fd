import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { startOtlpReceiver } from "./helpers/otlp.ts";
import { recordResolvedModules, type Spawned, waitForOutput } from "./helpers/process.ts";

vi.setConfig({ testTimeout: 90_000 });

const dir = mkdtempSync(join(tmpdir(), "stratum-tracing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `node src/server.ts` as `npm start` runs it (ES modules, no loader flags), recording every
 * module it resolves; answers one request, then stops on SIGTERM.
 */
async function serveOnce(label: string, env: Record<string, string>): Promise<string[]> {
  const file = join(dir, `${label}.resolved`);
  const child = spawn(process.execPath, [...recordResolvedModules(file), "src/server.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: join(dir, label),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const spawned: Spawned = {
    child,
    output: () => output,
    exited: once(child, "exit").then(([code]) => code as number | null),
  };
  const [, url] = await waitForOutput(spawned, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
  const ready = await fetch(`${url}/health/ready`, { headers: { "x-request-id": `${label}-1` } });
  expect(ready.status).toBe(200);
  child.kill("SIGTERM");
  expect(await spawned.exited).toBe(0);
  return readFileSync(file, "utf8").trim().split("\n");
}

describe("tracing in a server process", () => {
  it("is off without OTEL_* settings: no OpenTelemetry SDK module is loaded", async () => {
    const resolved = await serveOnce("off", {});
    expect(resolved.some((url) => url.includes("/node_modules/fastify/"))).toBe(true);
    // The API alone is pg-boss's own import (its spans go nowhere without a registered SDK).
    const sdk = resolved.filter((url) => /\/node_modules\/@opentelemetry\/(?!api\/)/.test(url));
    expect(sdk).toEqual([]);
  });

  it("sends spans of a request to OTEL_EXPORTER_OTLP_ENDPOINT, with no loader flag", async () => {
    const receiver = await startOtlpReceiver();
    try {
      await serveOnce("on", { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
      // Exported by the shutdown's flush at the latest.
      const http = receiver.spans.find((span) => span.name === "GET /health/ready");
      expect(http).toMatchObject({ kind: 2, parentSpanId: undefined });
      expect(http?.attributes["stratum.request_id"]).toBe("on-1");
      expect(http?.resource["service.name"]).toBe("stratum");
      const statements = receiver.spans.filter(
        (span) => span.parentSpanId === http?.spanId && span.attributes["db.system.name"],
      );
      // The database check's `select 1`, among the readiness checks' statements.
      expect(statements.map((span) => [span.kind, span.name])).toContainEqual([3, "SELECT"]);
    } finally {
      await receiver.close();
    }
  });
});
