import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DriverConfig, DriverResult } from "./driver.ts";

const DRIVER = fileURLToPath(new URL("./driver.ts", import.meta.url));

/** Runs the load generator in a child process and returns what it measured. */
export async function runLoad(config: DriverConfig): Promise<DriverResult> {
  // The configuration travels on stdin: thousands of requests overflow an argument's size limit.
  const child = spawn(process.execPath, [DRIVER], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end(JSON.stringify(config));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const line = stdout.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !line.startsWith("{")) {
    throw new Error(`load driver failed (exit ${code}): ${stderr || stdout}`);
  }
  return JSON.parse(line) as DriverResult;
}
