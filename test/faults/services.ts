import { execFileSync } from "node:child_process";
import { appendFileSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The fault tests stop, freeze (SIGSTOP) and restart PostgreSQL and Redis, so they get servers of
 * their own: a throwaway cluster and a redis-server on free loopback ports, from the machine's
 * binaries. Stopping the machine's shared servers broke every other run using them meanwhile:
 * a test suite on PostgreSQL got 503 `database_unavailable` for as long as the server was down.
 *
 * Used as the fault config's global setup: with TEST_DATABASE_URL (and TEST_REDIS_URL) set, it
 * starts the private servers and points those variables at them for the test workers.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const started: string[] = [];
  if (process.env.TEST_DATABASE_URL) {
    const { dir, port } = await createPostgres();
    started.push(dir);
    process.env.TEST_DATABASE_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }
  if (process.env.TEST_REDIS_URL) {
    const dir = mkdtempSync(join(tmpdir(), "stratum-faults-redis-"));
    started.push(dir);
    const port = await freePort();
    Object.assign(process.env, {
      TEST_REDIS_URL: `redis://127.0.0.1:${port}`,
      FAULTS_REDIS_DIR: dir,
      FAULTS_REDIS_PORT: String(port),
    });
    await redisControl.start();
  }
  return async () => {
    if (process.env.FAULTS_PG_DIR) {
      postgresControl.signalAll("CONT");
      try {
        pgCtl("stop", "-m", "fast");
      } catch {
        // Already stopped: a test left it down.
      }
    }
    if (process.env.FAULTS_REDIS_DIR) redisControl.stop();
    for (const dir of started) rmSync(dir, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const pgBin = (name: string) => {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  return join("/usr/lib/postgresql", versions[0] ?? "15", "bin", name);
};

/** PostgreSQL refuses to run as root: as root (CI), its commands run as the postgres user. */
function asPostgres(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  execFileSync(
    asRoot ? "runuser" : command,
    asRoot ? ["-u", "postgres", "--", command, ...args] : args,
    {
      stdio: "ignore",
    },
  );
}

function pgDir(): string {
  const dir = process.env.FAULTS_PG_DIR;
  if (!dir) throw new Error("no private PostgreSQL: run the fault tests with their config");
  return dir;
}

function pgCtl(...args: string[]): void {
  const dir = pgDir();
  asPostgres(pgBin("pg_ctl"), ["-D", dir, "-l", join(dir, "server.log"), ...args]);
}

async function createPostgres(): Promise<{ dir: string; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), "stratum-faults-pg-"));
  if (process.getuid?.() === 0) {
    const id = (flag: string) =>
      Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }));
    chownSync(dir, id("-u"), id("-g"));
  }
  const port = await freePort();
  asPostgres(pgBin("initdb"), [
    "-D",
    dir,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  appendFileSync(
    join(dir, "postgresql.conf"),
    `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\n`,
  );
  process.env.FAULTS_PG_DIR = dir;
  process.env.FAULTS_PG_PORT = String(port);
  await postgresControl.start();
  return { dir, port };
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

function pgAnswers(): boolean {
  try {
    const port = process.env.FAULTS_PG_PORT ?? "";
    execFileSync("pg_isready", ["-h", "127.0.0.1", "-p", port, "-q"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The fault tests' own PostgreSQL, never the machine's. */
export const postgresControl = {
  /** `pg_ctl stop -m immediate`: like pulling the plug on the server process. */
  stopImmediate: () => pgCtl("stop", "-m", "immediate"),
  async start(): Promise<void> {
    if (!pgAnswers()) pgCtl("start", "-w");
    await waitUntil(pgAnswers);
  },
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server and its backends: hung, not dead. */
  signalAll(signal: "STOP" | "CONT"): void {
    let postmaster: string | undefined;
    try {
      postmaster = readFileSync(join(pgDir(), "postmaster.pid"), "utf8").split("\n")[0];
    } catch {
      return; // not running
    }
    if (!postmaster) return;
    // Children first when freezing, the postmaster first when thawing.
    const children = () => {
      try {
        execFileSync("pkill", [`-${signal}`, "-P", postmaster]);
      } catch {
        // pkill exits 1 when no child matched.
      }
    };
    if (signal === "STOP") children();
    execFileSync("kill", [`-${signal}`, postmaster]);
    if (signal === "CONT") children();
  },
};

function redisAnswers(): boolean {
  try {
    const port = process.env.FAULTS_REDIS_PORT ?? "";
    return execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", port, "ping"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).includes("PONG");
  } catch {
    return false;
  }
}

/** The fault tests' own Redis, never the machine's. */
export const redisControl = {
  stop(): void {
    const port = process.env.FAULTS_REDIS_PORT ?? "";
    try {
      execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", port, "shutdown", "nosave"], {
        stdio: "ignore",
      });
    } catch {
      // redis-cli reports the closed connection of a shutdown as an error.
    }
  },
  async start(): Promise<void> {
    const dir = process.env.FAULTS_REDIS_DIR;
    if (!dir) throw new Error("no private Redis: run the fault tests with their config");
    if (!redisAnswers()) {
      execFileSync("redis-server", [
        "--daemonize",
        "yes",
        "--bind",
        "127.0.0.1",
        "--port",
        process.env.FAULTS_REDIS_PORT ?? "",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        join(dir, "redis.log"),
        "--pidfile",
        join(dir, "redis.pid"),
      ]);
    }
    await waitUntil(redisAnswers);
  },
};
