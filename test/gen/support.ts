import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type Access, moduleNameRefusal } from "../../scripts/gen/plan.ts";

const ROOT = process.cwd();
// Build output, local data and reports are not the project; node_modules is shared by a link.
const SKIPPED = new Set(["node_modules", ".git", ".data", "coverage", "reports", "dist"]);

/** A copy of the project (or of a copy) in a temporary directory, where `gen` cannot touch ours. */
export function copyProject(source = ROOT): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "stratum-gen-test-"));
  for (const entry of readdirSync(source)) {
    if (SKIPPED.has(entry)) continue;
    cpSync(join(source, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A module name `gen` accepts in `root`: `preferred`, or a longer one when the project already
 * uses it. Users generate modules (a `widgets` of their own is likely), and these tests must
 * pass beside whatever they generated.
 */
export function freeModuleName(preferred: string, root = ROOT): string {
  const candidates = ["", "gen-test-", "gen-test-other-"].map((prefix) => prefix + preferred);
  const free = candidates.find((name) => moduleNameRefusal(root, name) === undefined);
  if (free) return free;
  throw new Error(`no free module name for ${preferred}: ${moduleNameRefusal(root, preferred)}`);
}

/** What access.fixture.ts needs to know of a module generated in a copy. */
export type GeneratedModule = { module: string; names: string; Name: string; access: Access };

export type Run = { code: number; output: string };

/**
 * Runs a command in `cwd` without the variables of the vitest run around it, so a nested
 * vitest starts as if from a shell.
 */
export function run(
  cwd: string,
  command: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("VITEST") && key !== "STRATUM_TEST_RUN" && key !== "NODE_ENV",
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...env, NO_COLOR: "1", FORCE_COLOR: "0", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

export function gen(cwd: string, args: string[]): Promise<Run> {
  return run(cwd, "node", ["scripts/gen/index.ts", ...args]);
}

/** Every file under `dir` (node_modules aside) with its content, keyed by relative path. */
export function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = relative(dir, path);
    if (rel.split("/")[0] === "node_modules" || !entry.isFile()) continue;
    files.set(rel, readFileSync(path, "utf8"));
  }
  return files;
}
