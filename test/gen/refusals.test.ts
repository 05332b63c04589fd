import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namesOf } from "../../scripts/gen/names.ts";
import {
  type AccessFlags,
  accessFrom,
  type Options,
  planModule,
  Refusal,
} from "../../scripts/gen/plan.ts";
import { copyProject, freeModuleName, gen, snapshot } from "./support.ts";

// Planning only reads the project, so these run against the project itself, with names it does
// not use yet (the user may have generated a `widgets` module of their own).
const widgets = freeModuleName("widgets");
const projects = freeModuleName("projects");
const plan = (name: string, fields: string[], options: Partial<Options> = {}) =>
  planModule(process.cwd(), name, fields, { access: "private", ...options });

function refused(attempt: () => unknown): string {
  try {
    attempt();
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    throw error;
  }
  throw new Error("expected a refusal");
}

const refusal = (name: string, fields: string[], options: Partial<Options> = {}) =>
  refused(() => plan(name, fields, options));

describe("gen module: names it refuses", () => {
  it.each([
    ["an existing module", "recipes", /src\/modules\/recipes already exists/],
    ["a reserved name", "api", /"api" is reserved/],
    ["uppercase", "Todos", /not a valid module name/],
    ["snake_case", "to_dos", /not a valid module name/],
    ["a leading digit", "2dos", /not a valid module name/],
    ["a singular", "todo", /must be a plural noun/],
    ["a name whose singular is a keyword", "classes", /reserved word/],
    ["a table another module has", "recipe-tags", /table "recipe_tags" already exists/],
    ["a schema name openapi.json has", "ingredients", /"Ingredient" is already a name/],
    // GraphQL names only: neither openapi.json nor the shared files have these.
    [
      "a query field schema.graphql has",
      "my-favorites",
      /"myFavorites" is already a field of Query in schema.graphql/,
    ],
    ["a type schema.graphql has (an enum)", "units", /"Unit" is already a type in schema.graphql/],
    [
      "a type schema.graphql has (a nested object)",
      "rating-users",
      /"RatingUser" is already a type in schema.graphql/,
    ],
  ])("refuses %s", (_case, name, message) => {
    expect(refusal(name, ["title:string"])).toMatch(message);
  });
});

describe("gen module: field specs it refuses", () => {
  it.each([
    ["no fields at all", [], /at least one field/],
    ["a field without a type", ["title"], /give a type/],
    ["an unknown type", ["title:strng"], /unknown type "strng"/],
    ["a non-numeric length", ["title:string:long"], /whole number/],
    ["a zero length", ["title:string:0"], /1–1000000/],
    ["an empty range", ["priority:int:5..1"], /is empty/],
    ["a malformed range", ["priority:int:1-5"], /look like 1\.\.5/],
    ["an int range beyond 32 bits", ["big:int:0..9999999999"], /32 bits/],
    ["an enum without values", ["status:enum"], /list the values/],
    ["an enum with a repeated value", ["status:enum:open,open"], /repeats/],
    ["an argument on a boolean", ["done:boolean:yes"], /takes no argument/],
    ["a reserved field name", ["version:int"], /"version" is reserved/],
    ["a keyword as a field name", ["delete:boolean"], /"delete" is reserved/],
    ["a snake_case field name", ["due_at:timestamp"], /camelCase/],
    ["a repeated field", ["title:string", "title:text"], /"title" is used twice/],
    ["a field that clashes with a range filter", ["dueAt:date", "dueAtFrom:string"], /twice/],
    ["a ref without a module", ["projectId:ref"], /name the module/],
    ["a ref to a path", ["projectId:ref:../users"], /not a module name/],
    ["a ref to a module that does not exist", [`projectId:ref:${projects}`], /no module "/],
    ["a required ref to a module without a test factory", ["ratingId:ref:ratings"], /createRating/],
    [
      "an enum whose GraphQL name is the module's page type",
      ["page:enum:first,last"],
      /page: its GraphQL enum would be named "\w+Page", like one of the module's own types/,
    ],
  ])("refuses %s", (_case, fields, message) => {
    expect(refusal(widgets, fields)).toMatch(message);
  });
});

describe("gen module: who may do what", () => {
  it.each<[string, AccessFlags, string]>([
    ["no flag: owned and private", {}, "private"],
    ["--public-read", { "public-read": true }, "public-read"],
    ["--shared", { shared: true }, "shared"],
    [
      "--owned --private, the old spelling of the default",
      { owned: true, private: true },
      "private",
    ],
    ["--private alone", { private: true }, "private"],
    ["--owned --public-read", { owned: true, "public-read": true }, "public-read"],
  ])("%s", (_case, flags, access) => {
    expect(accessFrom(flags)).toBe(access);
  });

  it.each<[string, AccessFlags, RegExp]>([
    [
      "--owned alone (it used to mean public reads)",
      { owned: true },
      /now owned and private.*--public-read/,
    ],
    ["--shared with --public-read", { shared: true, "public-read": true }, /choose one/],
    ["--shared with --owned", { shared: true, owned: true }, /no owner/],
    ["--public-read with --private", { "public-read": true, private: true }, /drop --private/],
  ])("refuses %s", (_case, flags, message) => {
    expect(refused(() => accessFrom(flags))).toMatch(message);
  });

  it("registers an owned module's export section and deletion step, a shared one's neither", () => {
    const lines = (access: Options["access"]) =>
      plan(widgets, ["title:string"], { access }).insertions.flatMap((insertion) =>
        insertion.lines.map((line) => `${insertion.marker} ${line}`),
      );
    const name = plan(widgets, ["title:string"]).names.names;
    for (const access of ["private", "public-read"] as const) {
      expect(lines(access)).toEqual(
        expect.arrayContaining([
          `// gen:export-sections { name: "${name}", kind: "list", rows: (id) => ${name}.exportRows(id) },`,
          `// gen:deletion-steps { name: "${name}", run: (id) => ${name}.removeAllByOwner(id) },`,
        ]),
      );
    }
    expect(lines("shared").join("\n")).not.toMatch(/export-sections|deletion-steps/);
  });
});

describe("gen module: plans what it accepts", () => {
  it("plans every file for a valid command without writing any", () => {
    const planned = plan(widgets, ["title:string:80", "size:int:1..9?"]);
    expect(planned.files.map((file) => file.path)).toEqual([
      `src/modules/${widgets}/${widgets}.table.ts`,
      `src/modules/${widgets}/${widgets}.schema.ts`,
      `src/modules/${widgets}/${widgets}.repository.ts`,
      `src/modules/${widgets}/${widgets}.service.ts`,
      `src/modules/${widgets}/${widgets}.routes.ts`,
      `src/modules/${widgets}/${widgets}.graphql.ts`,
      `src/modules/${widgets}/${widgets}.test.ts`,
      `src/modules/${widgets}/${widgets}.graphql.test.ts`,
      `test/factories/${widgets}.ts`,
    ]);
    expect(planned.fields[1]).toMatchObject({ name: "size", optional: true, min: 1, max: 9 });
  });

  it("adds the module's GraphQL part to the schema and its service to the GraphQL context", () => {
    const planned = plan(widgets, ["title:string", "kind:enum:round,square"]);
    const { names, Names, Name } = planned.names;
    const lines = (path: string) =>
      planned.insertions
        .filter((insertion) => insertion.path === path)
        .flatMap((insertion) => insertion.lines.map((line) => `${insertion.marker} ${line}`));
    expect(lines("src/graphql/schema.ts")).toEqual([`// gen:graphql-modules ${names}Graphql,`]);
    expect(lines("src/graphql/resolvers.ts")).toEqual([
      `// gen:graphql-services ${names}: ${Names}Service;`,
    ]);
    expect(lines("src/app.ts")).toContain(`// gen:graphql-services ${names}: deps.${names},`);
    const imports = Object.fromEntries(planned.imports.map(({ path, lines }) => [path, lines]));
    expect(imports["src/graphql/schema.ts"]).toEqual([
      `import { ${names}Graphql } from "../modules/${widgets}/${widgets}.graphql.ts";`,
    ]);
    expect(imports["src/graphql/resolvers.ts"]).toEqual([
      `import type { ${Names}Service } from "../modules/${widgets}/${widgets}.service.ts";`,
    ]);
    const part = planned.files.find((file) => file.path.endsWith(".graphql.ts"))?.content;
    expect(part).toContain(`types.enum("${Name}Kind", ${Name}Schema.shape.kind);`);
  });

  it.each<[Options["access"], RegExp, RegExp]>([
    // Private rows: reads need a caller, as GET does.
    ["private", /\.list\(actor, /, /\.get\(actor, idOf\(args\)\)/],
    ["public-read", /\.list\(parse\(/, /\.get\(idOf\(args\)\)/],
    ["shared", /\.list\(parse\(/, /\.get\(idOf\(args\)\)/],
  ])("gives the GraphQL reads of a %s module the REST routes' auth", (access, list, get) => {
    const planned = plan(widgets, ["title:string"], { access });
    const part = planned.files.find((file) => file.path.endsWith(".graphql.ts"))?.content ?? "";
    expect(part).toMatch(list);
    expect(part).toMatch(get);
    // Every write needs a signed-in caller; only rows with an owner pass it on.
    expect(part.match(/signedIn\(ctx\)/g)).toHaveLength(access === "private" ? 5 : 3);
    expect(part.includes(".create(actor, ")).toBe(access !== "shared");
  });

  it("accepts an optional ref to a module without a test factory (its tests send null)", () => {
    const planned = plan(widgets, ["title:string", "ratingId:ref:ratings?"]);
    expect(planned.fields[1]?.ref).toMatchObject({ table: "ratings", factory: undefined });
  });
});

// Each of these starts a process that loads TypeScript: seconds each on a busy machine.
const CLI_TIMEOUT = 60_000;

describe("npm run gen (the command)", () => {
  let project: ReturnType<typeof copyProject>;
  let before: Map<string, string>;
  beforeAll(() => {
    project = copyProject();
    before = snapshot(project.dir);
  });
  afterAll(() => project.remove());

  it(
    "exits 1 with the reason and writes nothing when it refuses",
    async () => {
      const result = await gen(project.dir, ["module", "recipes", "title:string"]);
      expect(result.code).toBe(1);
      expect(result.output).toContain("gen: src/modules/recipes already exists");
      expect(result.output).toContain("nothing was written");
      expect(snapshot(project.dir)).toEqual(before);
    },
    CLI_TIMEOUT,
  );

  it(
    "prints the plan and the files with --dry-run, and writes nothing",
    async () => {
      const args = ["module", widgets, "title:string:80", "--dry-run"];
      const result = await gen(project.dir, args);
      expect(result.code).toBe(0);
      expect(result.output).toContain("owned and private: only the owner and admins read");
      expect(result.output).toContain(`// ── src/modules/${widgets}/${widgets}.service.ts`);
      expect(result.output).toContain(`// ── src/modules/${widgets}/${widgets}.graphql.ts`);
      expect(result.output).toContain("npm run openapi, npm run graphql:schema");
      const { names, table } = namesOf(widgets);
      expect(result.output).toContain(`export const ${names} = pgTable(\n  "${table}",`);
      expect(snapshot(project.dir)).toEqual(before);
    },
    CLI_TIMEOUT,
  );

  it(
    "exits 2 with the usage for an unknown option",
    async () => {
      const result = await gen(project.dir, ["module", widgets, "title:string", "--public"]);
      expect(result.code).toBe(2);
      expect(result.output).toContain("usage: npm run gen -- module <name>");
    },
    CLI_TIMEOUT,
  );

  it(
    "exits 1 and says what replaced it for --owned alone, writing nothing",
    async () => {
      const result = await gen(project.dir, ["module", widgets, "title:string", "--owned"]);
      expect(result.code).toBe(1);
      expect(result.output).toContain("--owned alone used to make rows readable by everyone");
      expect(result.output).toContain("nothing was written");
      expect(snapshot(project.dir)).toEqual(before);
    },
    CLI_TIMEOUT,
  );
});
