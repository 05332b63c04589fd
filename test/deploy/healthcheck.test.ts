import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);

/** The exit code of `node deploy/healthcheck.ts [url]` with PORT set as given. */
async function healthcheck(args: string[], env: Record<string, string> = {}): Promise<number> {
  try {
    await run(process.execPath, ["deploy/healthcheck.ts", ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 10_000,
    });
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((request, response) => {
    response.statusCode = request.url === "/health/ready" ? 200 : 503;
    response.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});

afterAll(() => server.close());

describe("deploy/healthcheck.ts", () => {
  it("checks /health/ready on PORT by default and exits 0 when it answers 200", async () => {
    expect(await healthcheck([], { PORT: String(port) })).toBe(0);
  });

  it("exits 1 on a 503", async () => {
    expect(await healthcheck([`http://127.0.0.1:${port}/health/live`])).toBe(1);
  });

  it("exits 1 when nothing listens", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const free = (closed.address() as AddressInfo).port;
    closed.close();
    expect(await healthcheck([`http://127.0.0.1:${free}/health/ready`])).toBe(1);
  });
});
