import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { PATCHES, patchDependencies } from "../../scripts/patch-dependencies.mjs";

type Queue<T> = { length: number; push(x: T): T; shift(): T | undefined; remove(x: T): T | null };
type Patch = { name: string; version: string; files: string[]; edits: [string, string][] };

const [postgresPatch] = PATCHES as Patch[];
const installed = join(process.cwd(), "node_modules", "postgres");
const loadQueue = async (dir: string): Promise<<T>() => Queue<T>> =>
  (await import(pathToFileURL(join(dir, "src", "queue.js")).href)).default;

describe("the postgres.js pool queue, as installed", () => {
  it("is patched (npm install runs scripts/patch-dependencies.mjs)", () => {
    expect(patchDependencies({ check: true })).toEqual([]);
  });

  it("stays first-in first-out through many cycles of shift, remove and push", async () => {
    const Queue = await loadQueue(installed);
    const queue = Queue<number>();
    const model: number[] = [];
    for (let i = 0; i < 10; i++) model.push(queue.push(i));
    // The pool's pattern under load: take the oldest, remove a member or not, put one back.
    for (let i = 10; i < 20_000; i++) {
      expect(queue.shift()).toBe(model.shift());
      expect(queue.remove(-1)).toBeNull();
      if (i % 7 === 0) {
        const member = model[3] as number;
        expect(queue.remove(member)).toBe(member);
        model.splice(3, 1);
        model.push(queue.push(-i));
      }
      model.push(queue.push(i));
      expect(queue.length).toBe(model.length);
    }
    const rest: number[] = [];
    while (queue.length) rest.push(queue.shift() as number);
    expect(rest).toEqual(model);
  });
});

describe("patchDependencies", () => {
  const root = mkdtempSync(join(tmpdir(), "stratum-patch-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function install(version: string, source: string) {
    const dir = join(root, "node_modules", "postgres");
    rmSync(dir, { recursive: true, force: true });
    for (const file of postgresPatch?.files ?? []) {
      mkdirSync(join(dir, file, ".."), { recursive: true });
      writeFileSync(join(dir, file), source);
    }
    writeFileSync(join(dir, "package.json"), JSON.stringify({ version, type: "module" }));
    return dir;
  }

  // The queue as released: the patch's edits undone on the installed (patched) file.
  const released = (postgresPatch?.edits ?? []).reduce(
    (text, [from, to]) => text.replace(to, from),
    readFileSync(join(installed, "src", "queue.js"), "utf8"),
  );

  it("applies the fix once, and the check then passes", async () => {
    const dir = install(postgresPatch?.version ?? "", released);
    expect(patchDependencies({ root, check: true })).toHaveLength(3);
    expect(patchDependencies({ root })).toEqual([]);
    const patched = readFileSync(join(dir, "src", "queue.js"), "utf8");
    expect(patched).not.toBe(released);
    expect(patchDependencies({ root })).toEqual([]);
    expect(readFileSync(join(dir, "src", "queue.js"), "utf8")).toBe(patched);
    expect(patchDependencies({ root, check: true })).toEqual([]);
    const Queue = await loadQueue(dir);
    const queue = Queue<string>();
    queue.push("a");
    queue.push("b");
    expect(queue.shift()).toBe("a");
    expect(queue.remove("a")).toBeNull();
    expect(queue.remove("b")).toBe("b");
    expect(queue.length).toBe(0);
  });

  it("reports another version or unknown code instead of editing it", () => {
    install("3.5.0", released);
    expect(patchDependencies({ root })).toEqual([expect.stringContaining("postgres is 3.5.0")]);
    const dir = install(postgresPatch?.version ?? "", "export default function Queue() {}\n");
    expect(patchDependencies({ root })).toHaveLength(3);
    expect(readFileSync(join(dir, "src", "queue.js"), "utf8")).toBe(
      "export default function Queue() {}\n",
    );
  });
});
