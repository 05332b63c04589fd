// Slow (about two minutes): generates a module in copies of the project, then typechecks, lints
// and runs the generated tests there. It runs with the rest of the suite, in CI too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyProject, gen, type Run, run, snapshot } from "./support.ts";

const SLOW = 300_000;
// Every field type, optional ones, a reference to an existing module, an owner.
const COMMAND = [
  "module",
  "tasks",
  "title:string:120",
  "notes:text?",
  "estimate:int:1..13",
  "weight:number?",
  "done:boolean",
  "dueAt:timestamp?",
  "startOn:date?",
  "status:enum:open,doing,closed",
  "recipeId:ref:recipes",
  "--owned",
];

const expectSuccess = (result: Run) => expect(result.code, result.output).toBe(0);

describe("gen module (slow: copies the project and checks what it writes)", () => {
  let first: ReturnType<typeof copyProject>;
  let second: ReturnType<typeof copyProject>;
  let generated: Run;
  let again: Run;

  beforeAll(async () => {
    first = copyProject();
    // The second copy comes from the first, so both start from the same files.
    second = copyProject(first.dir);
    // Two runs of the same command, for the determinism check; they may as well run together.
    [generated, again] = await Promise.all([gen(first.dir, COMMAND), gen(second.dir, COMMAND)]);
  }, SLOW);
  afterAll(() => {
    first?.remove();
    second?.remove();
  });

  it("writes the module, its migration and its wiring, and refreshes openapi.json", () => {
    expectSuccess(generated);
    const files = snapshot(first.dir);
    for (const role of ["table", "schema", "repository", "service", "routes", "test"]) {
      expect(files.has(`src/modules/tasks/tasks.${role}.ts`)).toBe(true);
    }
    expect(files.get("src/deps.ts")).toContain("const tasks = createTasksService(");
    expect(files.get("src/app.ts")).toContain(
      "await app.register(tasksRoutes, { tasks: deps.tasks });",
    );
    expect(files.get("src/db/schema.ts")).toContain(
      'export * from "../modules/tasks/tasks.table.ts";',
    );
    const migration = [...files.keys()].find((path) =>
      /^src\/db\/migrations\/\d+_tasks\.sql$/.test(path),
    );
    expect(files.get(migration ?? "")).toContain('CREATE TABLE "tasks"');
    const openapi = JSON.parse(files.get("openapi.json") ?? "{}");
    expect(Object.keys(openapi.paths["/api/tasks"])).toEqual(["post", "get"]);
    expect(Object.keys(openapi.paths["/api/tasks/{id}"])).toEqual(["get", "patch", "delete"]);
  });

  it(
    "writes code that typechecks, is formatted and passes its own tests",
    async () => {
      expectSuccess(generated);
      const touched = [
        "src/modules/tasks",
        "test/factories/tasks.ts",
        "src/deps.ts",
        "src/app.ts",
        "src/db/schema.ts",
      ];
      const openapiBefore = readFileSync(join(first.dir, "openapi.json"), "utf8");
      // The checks are independent of each other: run them side by side.
      const [types, tests, lint, openapi] = await Promise.all([
        run(first.dir, "npx", ["tsc", "--noEmit"]),
        run(first.dir, "npx", ["vitest", "run", "src/modules/tasks/tasks.test.ts"]),
        run(first.dir, "npx", ["biome", "check", ...touched]),
        run(first.dir, "npm", ["run", "openapi"]),
      ]);
      // Soft: a failure in one check still shows the others.
      expect.soft(tests.code, tests.output).toBe(0);
      expect.soft(tests.output).toMatch(/Tests\s+\d+ passed/);
      expect.soft(types.code, types.output).toBe(0);
      expect.soft(lint.code, lint.output).toBe(0);
      expect.soft(openapi.code, openapi.output).toBe(0);
      // gen left openapi.json as `npm run openapi` writes it.
      expect(readFileSync(join(first.dir, "openapi.json"), "utf8")).toBe(openapiBefore);
    },
    SLOW,
  );

  it("writes the same files when run again on the same tree", () => {
    expectSuccess(generated);
    expectSuccess(again);
    const [a, b] = [snapshot(first.dir), snapshot(second.dir)];
    // Compared by the second copy's files: the checks above may leave caches in the first.
    const changed = [...b.keys()].filter((path) => a.get(path) !== b.get(path));
    expect(changed).toEqual([]);
  });
});
