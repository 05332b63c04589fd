import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import ts from "typescript";

/** Builds Stratum as production runs it: `npm run build`, then `node dist/server.js`. */
export function buildStratum(root: string): void {
  const result = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * Compiles the floor to plain JavaScript, so that it runs on bare `node` like Stratum's dist/
 * (no TypeScript loader in its memory or start-up time). The output lives under node_modules so
 * that its imports resolve to the project's packages.
 */
export async function buildFloor(root: string): Promise<string> {
  const source = join(root, "bench", "floor");
  const out = join(root, "node_modules", ".cache", "stratum-bench", "floor");
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "package.json"), '{ "type": "module" }\n');
  for (const file of (await readdir(source)).filter((name) => name.endsWith(".ts"))) {
    const { outputText } = ts.transpileModule(await readFile(join(source, file), "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: true,
      },
    });
    await writeFile(join(out, file.replace(/\.ts$/, ".js")), outputText);
  }
  return join(out, "server.js");
}
