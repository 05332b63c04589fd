import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { releasedCopy } from "../../test/helpers/patches.ts";
import { logMissingPatches, missingPatches, REQUIRED_PATCHES } from "./dependency-patches.ts";

vi.setConfig({ testTimeout: 60_000 });

describe("missingPatches", () => {
  const released = releasedCopy(["postgres"]);
  afterAll(() => rmSync(released, { recursive: true, force: true }));
  // Where `import "postgres"` would land in the copy.
  const resolveInCopy = (name: string) =>
    pathToFileURL(join(released, "node_modules", name, "src", "index.js")).href;

  it("finds nothing missing in the installed packages", () => {
    expect(missingPatches()).toEqual([]);
  });

  it("names the package, the patch and the fix when a package is installed without it", () => {
    expect(missingPatches(REQUIRED_PATCHES, resolveInCopy)).toEqual([
      "postgres is installed without patches/postgres+3.4.9.patch (its pool slows down with " +
        "every query while it stays busy): run `npx patch-package`, or reinstall with scripts " +
        "enabled (`npm ci`)",
      "postgres is installed without patches/postgres+3.4.9.patch (with DB_PIPELINING=false " +
        "every transaction fails with UNSAFE_TRANSACTION): run `npx patch-package`, or " +
        "reinstall with scripts enabled (`npm ci`)",
    ]);
  });

  it("reports a package it cannot read instead of throwing", () => {
    const [problem] = missingPatches(REQUIRED_PATCHES, () => "file:///nowhere/postgres/index.js");
    expect(problem).toMatch(/^postgres: cannot check patches\/postgres\+3\.4\.9\.patch \(ENOENT/);
  });

  it("logs nothing at start-up when every patch is installed", () => {
    const error = vi.fn();
    logMissingPatches({ error });
    expect(error).not.toHaveBeenCalled();
  });
});
