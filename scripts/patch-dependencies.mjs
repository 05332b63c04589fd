// Fixes to installed dependencies that their release does not have yet. `npm install` and
// `npm ci` run this (postinstall); `node scripts/patch-dependencies.mjs --check` (part of
// `npm run verify`) fails when a fix is missing or no longer matches the installed version.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export const PATCHES = [
  {
    name: "postgres",
    version: "3.4.9",
    files: ["src/queue.js", "cjs/src/queue.js", "cf/src/queue.js"],
    // The pool's queues leave a hole per `shift` and reset only when they empty. Under sustained
    // load a busy pool never empties its `busy` queue, and every query's `remove` scanned all the
    // holes from the start: throughput fell steadily (28,000 → 13,000 queries/s over 160,000
    // queries on 4 connections) and the array grew without bound. `remove` now starts at the
    // first live entry and `shift` compacts once half the array is holes.
    edits: [
      [
        `      const index = xs.indexOf(x)
      return index === -1
        ? null
        : (xs.splice(index, 1), x)`,
        `      const at = xs.indexOf(x, index)
      return at === -1
        ? null
        : (xs.splice(at, 1), x)`,
      ],
      [
        `        xs = []
      } else {`,
        `        xs = []
      } else if (index >= 1024 && index * 2 >= xs.length) {
        xs = xs.slice(index)
        index = 0
      } else {`,
      ],
    ],
  },
];

/** Applies (or with `check`, only inspects) every patch; returns the problems found. */
export function patchDependencies({ root = ROOT, check = false } = {}) {
  const problems = [];
  for (const patch of PATCHES) {
    const dir = join(root, "node_modules", patch.name);
    if (!existsSync(dir)) continue;
    const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (version !== patch.version) {
      problems.push(
        `${patch.name} is ${version}, the fix is for ${patch.version}: check whether the release has it, then update or drop the patch in scripts/patch-dependencies.mjs`,
      );
      continue;
    }
    for (const file of patch.files) {
      const path = join(dir, file);
      const original = readFileSync(path, "utf8");
      let text = original;
      let missing = false;
      for (const [from, to] of patch.edits) {
        if (text.includes(to)) continue;
        if (check || !text.includes(from)) missing = true;
        else text = text.replace(from, to);
      }
      if (missing) {
        const why = check ? "not applied (run npm install)" : "its code to replace is not there";
        problems.push(`${patch.name}/${file}: fix ${why}`);
      } else if (text !== original) {
        writeFileSync(path, text);
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  const problems = patchDependencies({ check });
  for (const problem of problems) process.stderr.write(`patch-dependencies: ${problem}\n`);
  // Installing never fails on a patch; the check (in verify) does.
  if (check && problems.length) process.exit(1);
}
