import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A fix under patches/ that the code relies on, and the line it adds to the file it fixes. */
export type RequiredPatch = {
  /** The package as imported. */
  name: string;
  /** The file the patch changes, relative to the module `import` resolves the package to. */
  file: string;
  marker: string;
  patch: string;
  /** What goes wrong without it. */
  effect: string;
};

export const REQUIRED_PATCHES: readonly RequiredPatch[] = [
  {
    name: "postgres",
    file: "queue.js",
    marker: "postgres-pool-queue fix",
    patch: "patches/postgres+3.4.9.patch",
    effect: "its pool slows down with every query while it stays busy",
  },
  {
    name: "postgres",
    file: "connection.js",
    marker: "postgres-begin-reserve fix",
    patch: "patches/postgres+3.4.9.patch",
    effect: "with DB_PIPELINING=false every transaction fails with UNSAFE_TRANSACTION",
  },
];

type Resolve = (specifier: string) => string;

/**
 * One line per required patch that the installed package lacks (an install with
 * `--ignore-scripts`, or a package changed by hand). Reads the file this process loads, found the
 * way `import` finds the package; nothing of the package's runtime state.
 */
export function missingPatches(
  patches: readonly RequiredPatch[] = REQUIRED_PATCHES,
  resolve: Resolve = (specifier) => import.meta.resolve(specifier),
): string[] {
  return patches.flatMap((patch) => {
    let text: string;
    try {
      text = readFileSync(fileURLToPath(new URL(patch.file, resolve(patch.name))), "utf8");
    } catch (error) {
      return [`${patch.name}: cannot check ${patch.patch} (${(error as Error).message})`];
    }
    if (text.includes(patch.marker)) return [];
    return [
      `${patch.name} is installed without ${patch.patch} (${patch.effect}): ` +
        "run `npx patch-package`, or reinstall with scripts enabled (`npm ci`)",
    ];
  });
}

/** At start-up of the server and the worker: an error line per missing patch. */
export function logMissingPatches(logger: { error(message: string): void }): void {
  for (const problem of missingPatches()) logger.error(problem);
}
