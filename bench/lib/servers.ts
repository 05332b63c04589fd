import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { rssBytes } from "./proc.ts";

export type ServerSpec = {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  cwd: string;
  /** Where stdout and stderr go (the request log); truncated at each start. */
  logFile: string;
};

export type RunningServer = {
  spec: ServerSpec;
  pid: number;
  url: string;
  /** Milliseconds from spawn to the first 200 from /health/ready. */
  readyMs: number;
  /** performance.now() at spawn. */
  startedAt: number;
  logBytes(): number;
  tail(): string;
  stop(): Promise<void>;
};

const READY_TIMEOUT_MS = 60_000;

/**
 * Starts a server and waits until /health/ready answers 200. Its stdout and stderr (the request
 * log, written on every request as in production) go to a file: a file write never waits for a
 * reader, so the logging cost measured is the server's own, not that of a slow log collector.
 */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const fd = openSync(spec.logFile, "w");
  const started = performance.now();
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { PATH: process.env.PATH ?? "", ...spec.env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const tail = () => {
    const text = readFileSync(spec.logFile, "utf8");
    return text.slice(-4_000);
  };
  const url = `http://127.0.0.1:${spec.port}`;
  try {
    await waitReady(child, url);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${spec.name} did not become ready: ${(error as Error).message}\n${tail()}`);
  }
  const readyMs = performance.now() - started;
  return {
    spec,
    pid: child.pid as number,
    url,
    readyMs,
    startedAt: started,
    logBytes: () => statSync(spec.logFile).size,
    tail,
    stop: () => stopChild(child),
  };
}

async function waitReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (performance.now() < deadline) {
    if (exited) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("timed out");
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** RSS after the server has sat idle for a moment following readiness. */
export async function idleRss(server: RunningServer, settleMs = 2_000): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return rssBytes(server.pid) ?? 0;
}

/** Starts and stops a server `times` times; returns each start's readiness time and idle RSS. */
export async function coldStarts(spec: ServerSpec, times: number) {
  const samples: { readyMs: number; idleRssBytes: number }[] = [];
  for (let i = 0; i < times; i++) {
    const server = await startServer(spec);
    const rss = await idleRss(server);
    samples.push({ readyMs: server.readyMs, idleRssBytes: rss });
    await server.stop();
  }
  return samples;
}
