// Slow (a few minutes): generates modules of every access kind in copies of the project, then
// typechecks, lints and runs the generated tests (REST and GraphQL) there, with checks of our own
// beside them. It
// runs with the rest of the suite, in CI too.
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, type GraphQLObjectType, printType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namesOf } from "../../scripts/gen/names.ts";
import type { Access } from "../../scripts/gen/plan.ts";
import { listProblems, routeProblems } from "../../scripts/openapi-rules.ts";
import {
  copyProject,
  freeModuleName,
  type GeneratedModule,
  gen,
  type Run,
  run,
  snapshot,
} from "./support.ts";

const SLOW = 600_000;
// Names the project does not use yet: the user may have generated modules of their own. With
// nothing in the way the shared module is called `widgets`, the name the fast tests prefer, so
// running those in the copy shows they step around a user's `widgets`.
const todos = freeModuleName("todos");
const tasks = freeModuleName("tasks");
const widgets = freeModuleName("widgets");

const VARIANTS: { module: string; access: Access; args: string[] }[] = [
  // The README's command, no flag: to-dos only their owner sees.
  {
    module: todos,
    access: "private",
    args: ["title:string:200", "done:boolean", "dueAt:timestamp?", "priority:int:1..5"],
  },
  // Every field type, optional ones, a reference to an existing module; anyone reads.
  {
    module: tasks,
    access: "public-read",
    args: [
      "title:string:120",
      "notes:text?",
      "estimate:int:1..13",
      "weight:number?",
      "done:boolean",
      "dueAt:timestamp?",
      "startOn:date?",
      "status:enum:open,doing,closed",
      "recipeId:ref:recipes",
      "--public-read",
    ],
  },
  // No owner, and a required reference to another generated module.
  {
    module: widgets,
    access: "shared",
    args: ["label:string:80", `taskId:ref:${tasks}`, "--shared"],
  },
];
const GENERATED: GeneratedModule[] = VARIANTS.map(({ module, access }) => ({
  module,
  access,
  names: namesOf(module).names,
  Name: namesOf(module).Name,
}));

const expectSuccess = (result: Run) => expect(result.code, result.output).toBe(0);

/** Runs the commands one after the other, as a user would; stops at the first failure. */
async function genAll(dir: string): Promise<Run> {
  let output = "";
  for (const { module, args } of VARIANTS) {
    const result = await gen(dir, ["module", module, ...args]);
    output += result.output;
    if (result.code !== 0) return { code: result.code, output };
  }
  return { code: 0, output };
}

describe("gen module (slow: copies the project and checks what it writes)", () => {
  let first: ReturnType<typeof copyProject>;
  let second: ReturnType<typeof copyProject>;
  let generated: Run;
  let again: Run;

  beforeAll(async () => {
    first = copyProject();
    // The second copy comes from the first, so both start from the same files.
    second = copyProject(first.dir);
    // Two runs of the same commands, for the determinism check; they may as well run together.
    [generated, again] = await Promise.all([genAll(first.dir), genAll(second.dir)]);
  }, SLOW);
  afterAll(() => {
    first?.remove();
    second?.remove();
  });

  it("writes each module, its migration and its wiring, and refreshes openapi.json", () => {
    expectSuccess(generated);
    const files = snapshot(first.dir);
    const openapi = JSON.parse(files.get("openapi.json") ?? "{}");
    const deps = files.get("src/deps.ts") ?? "";
    for (const { module, access } of VARIANTS) {
      const { names, Names } = namesOf(module);
      const roles = ["table", "schema", "repository", "service", "routes", "graphql", "test"];
      for (const role of roles.concat("graphql.test")) {
        expect(files.has(`src/modules/${module}/${module}.${role}.ts`)).toBe(true);
      }
      expect(deps).toContain(`const ${names} = create${Names}Service(`);
      expect(files.get("src/app.ts")).toContain(
        `await app.register(${names}Routes, { ${names}: deps.${names} });`,
      );
      expect(files.get("src/db/schema.ts")).toContain(
        `export * from "../modules/${module}/${module}.table.ts";`,
      );
      const migration = [...files.keys()].find((path) =>
        new RegExp(`^src/db/migrations/\\d+_${namesOf(module).table}\\.sql$`).test(path),
      );
      expect(files.get(migration ?? "")).toContain(`CREATE TABLE "${namesOf(module).table}"`);
      expect(Object.keys(openapi.paths[`/api/${module}`])).toEqual(["post", "get"]);
      expect(Object.keys(openapi.paths[`/api/${module}/{id}`])).toEqual(["get", "patch", "delete"]);
      const { Name } = namesOf(module);
      expect(openapi.paths[`/api/${module}`].post.operationId).toBe(`create${Name}`);
      expect(openapi.components.schemas[`Create${Name}Input`].example).toBeDefined();
      // Rows with an owner are part of the owner's account: exported, and deleted with it.
      const exported = `{ name: "${names}", kind: "list", rows: (id) => ${names}.exportRows(id) },`;
      const deleted = `{ name: "${names}", run: (id) => ${names}.removeAllByOwner(id) },`;
      expect(deps.includes(exported) && deps.includes(deleted)).toBe(access !== "shared");
    }
    // What verify asks of every operation: operationIds, named shapes, a Problem per error.
    expect(routeProblems(openapi)).toEqual([]);
    expect(listProblems(openapi)).toEqual([]);
  });

  it("adds each module to the GraphQL schema and context, and refreshes schema.graphql", () => {
    expectSuccess(generated);
    const files = snapshot(first.dir);
    const text = files.get("schema.graphql") ?? "";
    for (const { module } of VARIANTS) {
      const { names, Names, name, Name } = namesOf(module);
      expect(files.get("src/graphql/schema.ts")).toContain(`  ${names}Graphql,\n`);
      expect(files.get("src/graphql/resolvers.ts")).toContain(`  ${names}: ${Names}Service;\n`);
      expect(files.get("src/app.ts")).toContain(`    ${names}: deps.${names},\n`);
      for (const line of [
        `type ${Name} {`,
        `type ${Name}Page {`,
        `  ${names}(`,
        `  ): ${Name}Page`,
        `  ${name}(id: ID!): ${Name}`,
        `  create${Name}(input: Create${Name}Input!): ${Name}`,
        `  update${Name}(\n    id: ID!\n    input: Update${Name}Input!\n`,
        `  delete${Name}(\n    id: ID!\n`,
      ]) {
        expect(text).toContain(`\n${line}`);
      }
    }
    // The project's own schema is as it was; the modules' fields come after its own.
    const before = buildSchema(readFileSync("schema.graphql", "utf8"));
    const after = buildSchema(text);
    for (const type of Object.values(before.getTypeMap())) {
      if (type.name.startsWith("__")) continue;
      const now = after.getType(type.name);
      if (type.name === "Query" || type.name === "Mutation") {
        const fields = Object.keys((type as GraphQLObjectType).getFields());
        const nowFields = Object.keys((now as GraphQLObjectType).getFields());
        expect(nowFields.slice(0, fields.length)).toEqual(fields);
      } else {
        expect(now && printType(now)).toBe(printType(type));
      }
    }
  });

  it(
    "writes code that typechecks, is formatted and passes its own tests and ours",
    async () => {
      expectSuccess(generated);
      const touched = [
        ...VARIANTS.flatMap(({ module }) => [
          `src/modules/${module}`,
          `test/factories/${module}.ts`,
        ]),
        "src/deps.ts",
        "src/app.ts",
        "src/db/schema.ts",
        "src/graphql/schema.ts",
        "src/graphql/resolvers.ts",
      ];
      const ours = "test/gen/access.generated.test.ts";
      copyFileSync(join(first.dir, "test/gen/access.fixture.ts"), join(first.dir, ours));
      const tests = [
        ...VARIANTS.flatMap(({ module }) => [
          `src/modules/${module}/${module}.test.ts`,
          `src/modules/${module}/${module}.graphql.test.ts`,
        ]),
        ours,
        // The fast generator tests, in a project that now has modules of its own.
        "test/gen/refusals.test.ts",
        "test/gen/render.test.ts",
      ];
      const openapiBefore = readFileSync(join(first.dir, "openapi.json"), "utf8");
      const graphqlBefore = readFileSync(join(first.dir, "schema.graphql"), "utf8");
      // Both commands open the copy's embedded database, which one process holds at a time.
      const documents = async (): Promise<[Run, Run]> => [
        await run(first.dir, "npm", ["run", "openapi"]),
        await run(first.dir, "npm", ["run", "graphql:schema"]),
      ];
      // The checks are independent of each other: run them side by side.
      const [types, results, lint, [openapi, graphql]] = await Promise.all([
        run(first.dir, "npx", ["tsc", "--noEmit"]),
        // Beside tsc on a shared machine, the first file's database can take minutes to start.
        run(
          first.dir,
          "npx",
          ["vitest", "run", "--maxWorkers=1", "--hookTimeout=300000", ...tests],
          {
            GEN_MODULES: JSON.stringify(GENERATED),
          },
        ),
        run(first.dir, "npx", ["biome", "check", ...touched]),
        documents(),
      ]);
      // Soft: a failure in one check still shows the others.
      expect.soft(results.code, results.output).toBe(0);
      expect.soft(results.output).toMatch(new RegExp(`Test Files\\s+${tests.length} passed`));
      expect.soft(types.code, types.output).toBe(0);
      expect.soft(lint.code, lint.output).toBe(0);
      expect.soft(openapi.code, openapi.output).toBe(0);
      expect.soft(graphql.code, graphql.output).toBe(0);
      // gen left openapi.json and schema.graphql as `npm run openapi` and `graphql:schema` write them.
      expect(readFileSync(join(first.dir, "openapi.json"), "utf8")).toBe(openapiBefore);
      expect(readFileSync(join(first.dir, "schema.graphql"), "utf8")).toBe(graphqlBefore);
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
