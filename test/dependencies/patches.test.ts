import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import postgres from "postgres";
import { afterAll, describe, expect, it, vi } from "vitest";
import { REQUIRED_PATCHES } from "../../src/lib/dependency-patches.ts";
import { patchPackage, ROOT, releasedCopy } from "../helpers/patches.ts";

vi.setConfig({ testTimeout: 90_000 });

// The package's three builds: ES modules, CommonJS, and Cloudflare Workers.
const QUEUE_FILES = ["src/queue.js", "cjs/src/queue.js", "cf/src/queue.js"];
const CONNECTION_FILES = ["src/connection.js", "cjs/src/connection.js", "cf/src/connection.js"];
const installed = (file: string) => readFileSync(join(ROOT, "node_modules/postgres", file), "utf8");
const [queuePatch, beginPatch] = REQUIRED_PATCHES;

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});
function released(): string {
  const dir = releasedCopy(["postgres"]);
  copies.push(dir);
  return dir;
}

describe("patches/ (patch-package, run by postinstall)", () => {
  it("applies to the released packages and leaves exactly the installed files", () => {
    const dir = released();
    const inCopy = (file: string) => readFileSync(join(dir, "node_modules/postgres", file), "utf8");
    const patched: [string[], string | undefined][] = [
      [QUEUE_FILES, queuePatch?.marker],
      [CONNECTION_FILES, beginPatch?.marker],
    ];
    for (const [files, marker] of patched) {
      for (const file of files) {
        expect(inCopy(file)).not.toContain(marker);
        expect(installed(file)).toContain(marker);
      }
    }
    const files = [...QUEUE_FILES, ...CONNECTION_FILES];

    const applied = patchPackage(dir, ["--error-on-fail"]);
    expect(applied.output).toContain("postgres@3.4.9 ✔");
    expect(applied.code).toBe(0);
    for (const file of files) expect(inCopy(file)).toBe(installed(file));

    // A second install finds the patch applied and changes nothing.
    expect(patchPackage(dir, ["--error-on-fail"]).code).toBe(0);
    for (const file of files) expect(inCopy(file)).toBe(installed(file));
  });

  it("fails the install when a patch no longer applies, and verify on another version", () => {
    const dir = released();
    const queue = join(dir, "node_modules/postgres/src/queue.js");
    writeFileSync(queue, readFileSync(queue, "utf8").replace("xs.indexOf(x)", "xs.lastIndexOf(x)"));
    const failed = patchPackage(dir, ["--error-on-fail"]);
    expect(failed.code).toBe(1);
    expect(failed.output).toContain("**ERROR** Failed to apply patch for package postgres");

    const other = released();
    const manifest = join(other, "node_modules/postgres/package.json");
    const version = JSON.parse(readFileSync(manifest, "utf8"));
    writeFileSync(manifest, JSON.stringify({ ...version, version: "3.4.10" }));
    expect(patchPackage(other, ["--error-on-fail"]).code).toBe(0);
    const warned = patchPackage(other, ["--error-on-fail", "--error-on-warn"]);
    expect(warned.code).toBe(1);
    expect(warned.output).toContain("3.4.10");
  });
});

describe("the postgres.js pool queue, as installed", () => {
  type Queue<T> = { length: number; push(x: T): T; shift(): T | undefined; remove(x: T): T | null };

  it("stays first-in first-out through many cycles of shift, remove and push", async () => {
    const url = pathToFileURL(join(ROOT, "node_modules/postgres/src/queue.js")).href;
    const Queue: <T>() => Queue<T> = (await import(url)).default;
    const queue = Queue<number>();
    const model: number[] = [];
    for (let i = 0; i < 10; i++) model.push(queue.push(i));
    // The pool's pattern under load: take the oldest, remove a member or not, put one back.
    // 20,000 shifts on a queue that never empties: the patch compacts it many times over.
    for (let i = 10; i < 20_000; i++) {
      expect(queue.shift()).toBe(model.shift());
      expect(queue.remove(-1)).toBeNull();
      if (i % 7 === 0) {
        const member = model[3] as number;
        expect(queue.remove(member)).toBe(member);
        model.splice(3, 1);
        model.push(queue.push(-i));
      }
      model.push(queue.push(i));
      expect(queue.length).toBe(model.length);
    }
    const rest: number[] = [];
    while (queue.length) rest.push(queue.shift() as number);
    expect(rest).toEqual(model);
  });
});

/**
 * Just enough of PostgreSQL's protocol for postgres.js's simple queries: trust authentication,
 * and `select <n>` answered with one text column `n`. Records the queries in arrival order.
 */
async function fakePostgres(): Promise<{ port: number; received: string[]; server: Server }> {
  const received: string[] = [];
  const message = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5);
    head.write(type, 0, "latin1");
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  };
  const int32 = (...values: number[]) => {
    const buffer = Buffer.alloc(values.length * 4);
    for (const [i, value] of values.entries()) buffer.writeInt32BE(value, i * 4);
    return buffer;
  };
  const ready = message("Z", Buffer.from("I"));
  const column = Buffer.concat([
    Buffer.from([0, 1]),
    Buffer.from("n\0"),
    int32(0),
    Buffer.from([0, 0]),
    int32(25), // text
    Buffer.from([0xff, 0xff]),
    int32(-1),
    Buffer.from([0, 0]),
  ]);
  const answer = (value: string) => {
    const cell = Buffer.from(value);
    return Buffer.concat([
      message("T", column),
      message("D", Buffer.concat([Buffer.from([0, 1]), int32(cell.length), cell])),
      message("C", Buffer.from("SELECT 1\0")),
      ready,
    ]);
  };
  const serve = (socket: Socket) => {
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      for (;;) {
        const offset = started ? 1 : 0; // the startup message has no type byte
        if (pending.length < offset + 4) break;
        const end = offset + pending.readInt32BE(offset);
        if (pending.length < end) break;
        const type = started ? String.fromCharCode(pending[0] as number) : "startup";
        const body = pending.subarray(offset + 4, end);
        pending = pending.subarray(end);
        if (type === "startup") {
          started = true;
          out.push(message("R", int32(0)), message("K", int32(1, 2)), ready);
        } else if (type === "Q") {
          const text = body.toString("utf8", 0, body.length - 1);
          received.push(text);
          out.push(answer(text.replace("select ", "")));
        } else if (type === "X") {
          socket.end();
        }
      }
      if (out.length) socket.write(Buffer.concat(out));
    });
  };
  const server = createServer(serve);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as { port: number }).port, received, server };
}

describe("postgres.js with the patched queue, through its public API", () => {
  it("runs thousands of queued queries in order and drops a cancelled one", async () => {
    const { port, received, server } = await fakePostgres();
    const options = { host: "127.0.0.1", port, user: "u", database: "d", max: 1 };
    // Without a type catalogue to ask: every column here is text.
    const sql = postgres({ ...options, fetch_types: false });
    try {
      // One connection: all but the first wait in the pool's queue, which the connection drains
      // a pipeline at a time. The queue never empties before its end, so the patch compacts it.
      const count = 3_000;
      const queries = Array.from({ length: count }, (_, i) => sql.unsafe(`select ${i}`).simple());
      const answers = queries.map((query) =>
        query.then(
          (rows) => rows[0]?.n as string,
          (error: { code?: string }) => `error ${error.code}`,
        ),
      );
      await answers[0];
      // Still waiting, behind the holes the first pipeline's shifts left.
      await queries[2_500]?.cancel();

      const expected = Array.from({ length: count }, (_, i) => String(i));
      expect(await Promise.all(answers)).toEqual(
        expected.map((n, i) => (i === 2_500 ? "error 57014" : n)),
      );
      expect(received).toEqual(expected.filter((_, i) => i !== 2_500).map((n) => `select ${n}`));
    } finally {
      await sql.end({ timeout: 1 });
      server.close();
    }
  }, 30_000);
});

// DB_PIPELINING=false (src/db/client.ts): one query at a time per connection, for a transaction
// pooler. Released, sql.begin() never reserved its connection then (porsager/postgres#1210).
describe.runIf(process.env.TEST_DATABASE_URL)("postgres.js with max_pipeline 0, as patched", () => {
  it("runs transactions and concurrent queries", async () => {
    const options = { max: 2, max_pipeline: 0, onnotice: () => {} } as object;
    const sql = postgres(process.env.TEST_DATABASE_URL as string, options);
    try {
      const inTransaction = await sql.begin(async (tx) => {
        const [a] = await tx`select txid_current() as id`;
        const [b] = await tx`select txid_current() as id`;
        return a?.id === b?.id;
      });
      expect(inTransaction).toBe(true);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => sql`select ${i}::int as i`.then(([row]) => row?.i)),
      );
      expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const transactions = await Promise.all(
        Array.from({ length: 5 }, (_, i) => sql.begin((tx) => tx`select ${i}::int as i`)),
      );
      expect(transactions.map(([row]) => row?.i)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});

describe("server and worker start-up", () => {
  // `import "postgres"` (and so the start-up check) resolved to a released copy.
  function start(entry: string, dir: string): ChildProcess & { output(): string } {
    const target = pathToFileURL(join(dir, "node_modules/postgres/src/index.js")).href;
    const hooks = `export async function resolve(specifier, context, next) {
  return specifier === "postgres" ? { url: ${JSON.stringify(target)}, shortCircuit: true }
    : next(specifier, context);
}`;
    const register = `import { register } from "node:module";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const child = spawn(
      process.execPath,
      ["--import", `data:text/javascript,${encodeURIComponent(register)}`, entry],
      {
        env: {
          PATH: process.env.PATH ?? "",
          NODE_ENV: "test",
          LOG_LEVEL: "info",
          HOST: "127.0.0.1",
          PORT: "0",
          WORKER_HTTP_PORT: "0",
          // Nothing listens there: no database to open first, and the check needs none.
          DATABASE_URL: "postgres://stratum@127.0.0.1:1/none",
          JWT_SECRET: "patches-test-secret-that-is-long-enough",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    return Object.assign(child, { output: () => output });
  }

  /** The error lines about patches (the unreachable database makes errors of its own). */
  async function patchErrors(child: ReturnType<typeof start>): Promise<string[]> {
    const lines = () =>
      child
        .output()
        .split("\n")
        .filter((line) => line.includes('"level":50'))
        .map((line) => JSON.parse(line).msg as string | undefined)
        .filter((msg): msg is string => msg?.includes("patch") === true);
    for (let i = 0; i < 1_200 && lines().length === 0 && child.exitCode === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    return lines();
  }

  it("logs an error line per fix naming it when postgres.js lacks its patch", async () => {
    const dir = released();
    const line = expect.stringMatching(/^postgres is installed without patches\/postgres/);
    const expected = REQUIRED_PATCHES.map(() => line);
    expect(await patchErrors(start("src/server.ts", dir))).toEqual(expected);
    expect(await patchErrors(start("src/worker.ts", dir))).toEqual(expected);
  });
});
