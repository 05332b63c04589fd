import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export type Spawned = {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
};

/** Starts a process whose stdout and stderr are kept together, for `output()`. */
export function spawnProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  stdin: "pipe" | "ignore" = "pipe",
): Spawned {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: [stdin, "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/** Starts one of the project's entry points as a real process (`node <entry>`, as `npm start` does). */
export function spawnEntry(entry: string, args: string[], env: Record<string, string>): Spawned {
  // A free port for a worker's health endpoint: processes of parallel runs never collide.
  return spawnProcess(process.execPath, [entry, ...args], {
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    WORKER_HTTP_PORT: "0",
    ...env,
  });
}

/** Waits until the process prints a line matching `pattern`, or fails on exit/timeout. */
export async function waitForOutput(
  spawned: Spawned,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = spawned.output().match(pattern);
    if (match) return match;
    if (spawned.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no output matching ${pattern}; got:\n${spawned.output()}`);
}

/** Starts the API server and resolves with its base URL once it listens. */
export async function startServer(env: Record<string, string>): Promise<Spawned & { url: string }> {
  const spawned = spawnEntry("src/server.ts", [], { HOST: "127.0.0.1", PORT: "0", ...env });
  const [, url] = await waitForOutput(spawned, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
  return { ...spawned, url: url as string };
}

/**
 * A `--import` argument that makes a Node.js process append the URL of every module it resolves
 * to `file`, one per line (a `module.register` resolve hook).
 */
export function recordResolvedModules(file: string): string[] {
  const hooks = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(file)}, result.url + "\\n");
  return result;
}`;
  const register = `import { register } from "node:module";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  return ["--import", `data:text/javascript,${encodeURIComponent(register)}`];
}
