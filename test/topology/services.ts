import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { chownSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * HAProxy and PgBouncer from the machine's Debian packages, on free loopback ports, with their
 * files in a folder of their own. Each is started as a child of the test and stopped by its pid.
 */

export type Daemon = { child: ChildProcess; log(): string; stop(): Promise<void> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** PgBouncer refuses to run as root: as root (CI), it runs as the postgres user. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }));
  return { uid: id("-u"), gid: id("-g") };
}

export function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-topology-"));
  const user = unprivileged();
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

function daemon(command: string, args: string[], logFile?: string, user?: object): Daemon {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...user });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = once(child, "exit");
  return {
    child,
    log: () => {
      try {
        return output + (logFile ? readFileSync(logFile, "utf8") : "");
      } catch {
        return output;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function listening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

export type PgBouncerOptions = {
  dir: string;
  port: number;
  /** The PostgreSQL server and database behind it. */
  server: URL;
  poolSize: number;
};

/**
 * PgBouncer in transaction pooling mode, one pool of `poolSize` server connections for the
 * database (clients connect to the name `stratum`). postgres.js sends `statement_timeout` as a
 * startup parameter, which PgBouncer refuses unless told to ignore it (docs/deploy.md).
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<Daemon> {
  const { dir, port, server, poolSize } = options;
  const user = decodeURIComponent(server.username || "postgres");
  const ini = join(dir, "pgbouncer.ini");
  writeFileSync(join(dir, "userlist.txt"), `"${user}" ""\n`);
  writeFileSync(
    ini,
    [
      "[databases]",
      `stratum = host=${server.hostname} port=${server.port || 5432} dbname=${server.pathname.slice(1)} user=${user}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${poolSize}`,
      "max_client_conn = 500",
      "ignore_startup_parameters = statement_timeout",
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  const user_ = unprivileged();
  if (user_) {
    for (const file of ["pgbouncer.ini", "userlist.txt"]) {
      chownSync(join(dir, file), user_.uid, user_.gid);
    }
  }
  const started = daemon("pgbouncer", [ini], join(dir, "pgbouncer.log"), user_);
  await listening(port);
  return started;
}

export type HaproxyOptions = { dir: string; port: number; replicas: Record<string, number> };

/** Checks readiness every 200 ms: two failures take a replica out, two successes put it back. */
export const HEALTH_CHECK = { intervalMs: 200, fall: 2, rise: 2 };

/**
 * HAProxy in front of the replicas, round robin, health-checking `/health/ready`. A refused
 * connection is retried on another replica (`retries` + `redispatch`); a request already sent to
 * a replica that dies is not (only idempotent requests could be, and HAProxy cannot tell).
 */
export async function startHaproxy(options: HaproxyOptions): Promise<Daemon> {
  const { dir, port, replicas } = options;
  const config = join(dir, "haproxy.cfg");
  const { intervalMs, fall, rise } = HEALTH_CHECK;
  writeFileSync(
    config,
    [
      "global",
      "  maxconn 2000",
      `  stats socket ${join(dir, "haproxy.sock")} mode 600 level admin`,
      "  log stdout format raw local0",
      "defaults",
      "  mode http",
      "  log global",
      // Only requests that went wrong: the log is the first place to look when a figure is off.
      "  option httplog",
      "  option dontlog-normal",
      "  timeout connect 1s",
      "  timeout client 30s",
      "  timeout server 30s",
      // Idle connections are closed by the side that opened them, never by the side that
      // answers: a client (undici keeps idle connections 4 s) before HAProxy, HAProxy before the
      // replicas (KEEP_ALIVE_TIMEOUT_MS=10000 there; half of the idle ones go every 1 s here).
      // Otherwise a request can be sent on a connection the other side is closing.
      "  timeout http-keep-alive 10s",
      "  retries 3",
      "  option redispatch 1",
      "frontend api",
      `  bind 127.0.0.1:${port}`,
      "  option forwardfor",
      "  default_backend replicas",
      "backend replicas",
      "  balance roundrobin",
      "  option httpchk GET /health/ready",
      "  http-check expect status 200",
      `  default-server inter ${intervalMs}ms fall ${fall} rise ${rise} pool-purge-delay 1s`,
      ...Object.entries(replicas).map(([name, p]) => `  server ${name} 127.0.0.1:${p} check`),
      "",
    ].join("\n"),
  );
  const started = daemon("haproxy", ["-db", "-f", config]);
  await listening(port);
  return started;
}

/** One command on HAProxy's stats socket. */
export function haproxyCommand(dir: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = createConnection(join(dir, "haproxy.sock"), () => socket.end(`${command}\n`));
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

/** Each replica's state as HAProxy sees it ("UP", "DOWN", …) and its requests in progress. */
export async function backendState(
  dir: string,
): Promise<Record<string, { status: string; current: number }>> {
  const csv = await haproxyCommand(dir, "show stat");
  const [header = "", ...lines] = csv.trim().split("\n");
  const columns = header.replace(/^# /, "").split(",");
  const at = (name: string) => columns.indexOf(name);
  const states: Record<string, { status: string; current: number }> = {};
  for (const line of lines) {
    const cells = line.split(",");
    if (cells[at("pxname")] !== "replicas" || cells[at("svname")] === "BACKEND") continue;
    states[cells[at("svname")] ?? ""] = {
      status: cells[at("status")] ?? "",
      current: Number(cells[at("scur")]),
    };
  }
  return states;
}

export function versions(): { haproxy: string; pgbouncer: string } {
  const first = (command: string, args: string[]) =>
    execFileSync(command, args, { encoding: "utf8" }).split("\n")[0]?.trim() ?? "";
  return {
    haproxy: first("haproxy", ["-v"]).replace(/ - https.*$/, ""),
    pgbouncer: first("pgbouncer", ["--version"]),
  };
}
