import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = process.cwd();
const PATCH_PACKAGE = join(ROOT, "node_modules", "patch-package", "index.js");

/** Runs patch-package's CLI in `cwd` (a project root) on this Node. */
export function patchPackage(cwd: string, args: string[]): { code: number; output: string } {
  const result = spawnSync(process.execPath, [PATCH_PACKAGE, ...args], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", CI: "true", FORCE_COLOR: "0" },
  });
  return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/**
 * A project in a temporary directory holding the installed `packages` and the project's
 * patches, with the patches taken out again: the packages as their releases ship them.
 */
export function releasedCopy(packages: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-patches-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "copy", private: true }));
  cpSync(join(ROOT, "patches"), join(dir, "patches"), { recursive: true });
  for (const name of packages) {
    cpSync(join(ROOT, "node_modules", name), join(dir, "node_modules", name), { recursive: true });
  }
  const reversed = patchPackage(dir, ["--reverse", "--error-on-fail"]);
  if (reversed.code !== 0) throw new Error(`patch-package --reverse failed:\n${reversed.output}`);
  return dir;
}
