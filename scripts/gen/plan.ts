// Everything `gen module` will write, decided before anything is written: checks that refuse,
// then the rendered files and the lines to insert into the shared files.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse as parseGraphql } from "graphql";
import { type Field, filterKind, parseFields, type RefTarget, SpecError } from "./fields.ts";
import * as f from "./fragments.ts";
import { moduleNameProblem, type Names, namesOf } from "./names.ts";
import { type RenderContext, render } from "./render.ts";
import {
  createExample,
  filterTestField,
  invalidCase,
  patchBody,
  sampleField,
  updateExample,
} from "./samples.ts";

/**
 * Who may do what with a row. `private` (the default): only its owner and admins read or change
 * it. `public-read`: anyone reads, only the owner and admins change it. `shared`: no owner,
 * anyone reads and any signed-in user changes or deletes any row.
 */
export type Access = "private" | "public-read" | "shared";
export type Options = { access: Access };
/** The command's access flags, old ones included, as given. */
export type AccessFlags = {
  "public-read"?: boolean;
  shared?: boolean;
  owned?: boolean;
  private?: boolean;
};
export type PlannedFile = { path: string; content: string };
export type Insertion = { path: string; marker: string; lines: string[] };
export type Plan = {
  names: Names;
  fields: Field[];
  options: Options;
  files: PlannedFile[];
  /** New import lines per shared file (the formatter sorts them in). */
  imports: { path: string; lines: string[] }[];
  insertions: Insertion[];
  /** Appended to src/db/schema.ts, so drizzle-kit sees the table. */
  schemaExport: string;
};

/** A reason to refuse: printed as is, and nothing is written. */
export class Refusal extends Error {}

const TEMPLATES = join(import.meta.dirname, "templates");
export const MARKERS = {
  services: { path: "src/deps.ts", marker: "// gen:services" },
  deps: { path: "src/deps.ts", marker: "// gen:deps" },
  routes: { path: "src/app.ts", marker: "// gen:routes" },
  // Only modules with an owner use these: their rows are part of the owner's account.
  exportSections: { path: "src/deps.ts", marker: "// gen:export-sections", ownedOnly: true },
  deletionSteps: { path: "src/deps.ts", marker: "// gen:deletion-steps", ownedOnly: true },
  // These files name other modules in prose and code; schema.graphql says what GraphQL has.
  graphqlModules: {
    path: "src/graphql/schema.ts",
    marker: "// gen:graphql-modules",
    namesElsewhere: true,
  },
  graphqlServiceType: {
    path: "src/graphql/resolvers.ts",
    marker: "// gen:graphql-services",
    namesElsewhere: true,
  },
  graphqlServices: { path: "src/app.ts", marker: "// gen:graphql-services" },
} as const;

/**
 * The access a command asks for. Rows are owned and private unless it says otherwise; the flags
 * of the first release keep their meaning where it is unambiguous and are refused where not.
 */
export function accessFrom(flags: AccessFlags): Access {
  const publicRead = flags["public-read"] === true;
  const shared = flags.shared === true;
  if (publicRead && shared) {
    throw new Refusal(
      "choose one of --public-read (rows have an owner) and --shared (they do not)",
    );
  }
  if (shared && (flags.owned || flags.private)) {
    throw new Refusal("--shared rows have no owner: drop --owned and --private");
  }
  if (publicRead && flags.private) {
    throw new Refusal("--public-read makes rows readable by everyone: drop --private");
  }
  if (flags.owned && !flags.private && !publicRead) {
    throw new Refusal(
      "--owned alone used to make rows readable by everyone; rows are now owned and private " +
        "by default. Drop --owned for rows only their owner sees, or use --public-read for rows " +
        "everyone reads and only their owner changes",
    );
  }
  if (publicRead) return "public-read";
  return shared ? "shared" : "private";
}

function read(root: string, path: string): string {
  return readFileSync(join(root, path), "utf8");
}

function findRefTarget(root: string, field: Field): RefTarget {
  const names = namesOf(field.refModule ?? "");
  const tablePath = `src/modules/${names.module}/${names.module}.table.ts`;
  if (!existsSync(join(root, tablePath))) {
    throw new Refusal(`${field.name}: there is no module "${names.module}" (no ${tablePath})`);
  }
  const tables = [...read(root, tablePath).matchAll(/export const (\w+) = pgTable\(\s*"(\w+)"/g)];
  const table = tables.find((match) => match[2] === names.table) ?? tables[0];
  if (!table?.[1]) throw new Refusal(`${field.name}: ${tablePath} exports no pgTable`);
  const fn = `create${names.Name}`;
  const candidates = [
    { file: `test/factories/${names.module}.ts`, importPath: `./${names.module}.ts` },
    {
      file: `src/modules/${names.module}/${names.module}.test-support.ts`,
      importPath: `../../src/modules/${names.module}/${names.module}.test-support.ts`,
    },
  ];
  const found = candidates.find(
    ({ file }) =>
      existsSync(join(root, file)) && read(root, file).includes(`export async function ${fn}(`),
  );
  if (!found && !field.optional) {
    throw new Refusal(
      `${field.name}: the generated tests need a ${names.label} to point at, but neither ` +
        `${candidates.map((c) => c.file).join(" nor ")} exports ${fn}(ctx, user); ` +
        `add one, or make the field optional ('${field.name}:ref:${field.refModule}?')`,
    );
  }
  return {
    names,
    table: table[1],
    factory: found && {
      importPath: found.importPath,
      file: found.file,
      fn,
      idOf: factoryCall(names, fn),
    },
  };
}

/** The expression that creates a referenced row for `user` and gives its id. */
function factoryCall(names: Names, fn: string) {
  // The users factory takes options, not an owner, and returns the user beside its tokens.
  if (names.module === "users") return () => `(await ${fn}(ctx)).user.id`;
  return (user: string) => `(await ${fn}(ctx, ${user})).id`;
}

function checkName(root: string, names: Names, owned: boolean): void {
  const problem = moduleNameProblem(names.module);
  if (problem) throw new Refusal(problem);
  const dir = `src/modules/${names.module}`;
  if (existsSync(join(root, dir))) throw new Refusal(`${dir} already exists`);
  if (existsSync(join(root, `test/factories/${names.module}.ts`))) {
    throw new Refusal(`test/factories/${names.module}.ts already exists`);
  }
  const markers = Object.values(MARKERS).filter((m) => owned || !("ownedOnly" in m));
  for (const entry of markers) {
    const { path, marker } = entry;
    const text = read(root, path);
    if (!text.includes(marker)) {
      throw new Refusal(`${path} has no "${marker}" line: add it where modules are wired`);
    }
    const used = new RegExp(`\\b(${names.names}|${names.names}Routes)\\b`);
    if (!("namesElsewhere" in entry) && used.test(text)) {
      throw new Refusal(`"${names.names}" is already used in ${path}`);
    }
  }
  checkDocumentNames(root, names);
  checkGraphqlNames(root, names, []);
  const sameTable = new RegExp(`pgTable\\(\\s*"${names.table}"`);
  const schemaIndex = read(root, "src/db/schema.ts");
  for (const match of schemaIndex.matchAll(/"\.\.\/(modules\/[^"]+\.table\.ts)"/g)) {
    const path = join(root, "src", match[1] ?? "");
    if (existsSync(path) && sameTable.test(readFileSync(path, "utf8"))) {
      throw new Refusal(`the table "${names.table}" already exists (src/${match[1]})`);
    }
  }
}

/**
 * The schema ids and operationIds the module would add to openapi.json. zod's registry keeps the
 * last schema registered under an id without a word, so one taken elsewhere must be refused.
 */
function documentNames(names: Names): string[] {
  const { Name, Names } = names;
  return [Name, `Create${Name}`, `Update${Name}`, `${Name}Page`].concat(
    ["create", "get", "update", "delete"].map((verb) => `${verb}${Name}`),
    `list${Names}`,
  );
}

function checkDocumentNames(root: string, names: Names): void {
  const wanted = new Set(documentNames(names));
  const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" }).filter(
    (path) => path.endsWith(".ts") && !path.endsWith(".test.ts"),
  );
  for (const path of sources) {
    const text = readFileSync(join(root, "src", path), "utf8");
    for (const [, taken = ""] of text.matchAll(/\b(?:id|operationId): "(\w+)"/g)) {
      // pageSchema names a named item's page after it.
      const clash = [taken, `${taken}Page`].find((name) => wanted.has(name));
      if (clash) throw new Refusal(`"${clash}" is already a name in openapi.json (src/${path})`);
    }
  }
}

/**
 * The types and root fields the module adds to schema.graphql. from-zod would quietly reuse a
 * type another module has under the same name, so one taken is refused, like openapi.json's.
 */
export function graphqlNames(names: Names, fields: Field[]) {
  const { Name, name, names: plural } = names;
  return {
    types: [Name, `${Name}Page`, `Create${Name}Input`, `Update${Name}Input`].concat(
      fields
        .filter((field) => field.type === "enum")
        .map((field) => f.graphqlEnumName(names, field)),
    ),
    Query: [plural, name],
    Mutation: ["create", "update", "delete"].map((verb) => `${verb}${Name}`),
  };
}

/** The type names and root fields schema.graphql has (`npm run verify` keeps it current). */
function takenGraphqlNames(root: string) {
  const path = join(root, "schema.graphql");
  if (!existsSync(path)) throw new Refusal("schema.graphql is missing: run npm run graphql:schema");
  const taken = { types: new Set<string>(), Query: new Set<string>(), Mutation: new Set<string>() };
  for (const definition of parseGraphql(readFileSync(path, "utf8")).definitions) {
    if (!("name" in definition) || !definition.name) continue;
    const name = definition.name.value;
    taken.types.add(name);
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    if (name !== "Query" && name !== "Mutation") continue;
    for (const field of definition.fields ?? []) taken[name].add(field.name.value);
  }
  return taken;
}

function checkGraphqlNames(root: string, names: Names, fields: Field[]): void {
  const own = graphqlNames(names, []).types;
  for (const field of fields.filter((candidate) => candidate.type === "enum")) {
    const type = f.graphqlEnumName(names, field);
    if (own.includes(type)) {
      throw new Refusal(
        `${field.name}: its GraphQL enum would be named "${type}", like one of the module's ` +
          "own types: give the field another name",
      );
    }
  }
  const taken = takenGraphqlNames(root);
  const wanted = graphqlNames(names, fields);
  const type = wanted.types.find((candidate) => taken.types.has(candidate));
  if (type) throw new Refusal(`"${type}" is already a type in schema.graphql`);
  for (const operation of ["Query", "Mutation"] as const) {
    const field = wanted[operation].find((candidate) => taken[operation].has(candidate));
    if (field) throw new Refusal(`"${field}" is already a field of ${operation} in schema.graphql`);
  }
}

function parse(specs: string[]): Field[] {
  try {
    return parseFields(specs);
  } catch (error) {
    if (error instanceof SpecError) throw new Refusal(error.message);
    throw error;
  }
}

/** Why `module` cannot be generated in `root` (taken, reserved, invalid), or undefined. */
export function moduleNameRefusal(root: string, module: string): string | undefined {
  try {
    checkName(root, namesOf(module), true);
    return undefined;
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    throw error;
  }
}

/**
 * The module tests' PATCH body points at a new row when every field is a `ref`: they import its
 * factory (the users one they import anyway).
 */
function patchFactoryImport(fields: Field[]): string[] {
  const factory = fields.every((field) => field.type === "ref") && fields[0]?.ref?.factory;
  if (!factory || factory.file === "test/factories/users.ts") return [];
  return [`import { ${factory.fn} } from "../../../${factory.file}";`];
}

/** The refusal the generated GraphQL test expects of an update by someone who may not. */
function graphqlRefusal(names: Names, access: Access): Record<string, string> {
  switch (access) {
    case "private":
      return {
        refusal: "another user's change (404)",
        refusalCaller: "bob",
        refusalCode: `${names.code}_not_found`,
        refusalStatus: "404",
      };
    case "public-read":
      return {
        refusal: "another user's change (403)",
        refusalCaller: "bob",
        refusalCode: `not_${names.code}_owner`,
        refusalStatus: "403",
      };
    case "shared":
      return {
        refusal: "a change without a signed-in caller (401)",
        refusalCaller: "anonymous",
        refusalCode: "unauthorized",
        refusalStatus: "401",
      };
  }
}

function context(names: Names, fields: Field[], access: Access): RenderContext {
  const options = { owned: access !== "shared", private: access === "private" };
  const refs = fields.filter((field) => field.type === "ref");
  const enums = fields.filter((field) => field.type === "enum");
  const filterTest = filterTestField(fields);
  const filtered = options.owned || fields.some((field) => filterKind(field) !== "none");
  const refFactories = refs.flatMap((field) => (field.ref?.factory ? [field.ref.factory] : []));
  const each = <T>(fn: (field: Field) => T | T[]) => fields.flatMap(fn) as string[];
  return {
    values: {
      ...names,
      pgCoreImports: f.pgCoreImports(fields),
      drizzleImports: f.drizzleImports(fields, filtered),
      enumImports: enums.map((field) => f.enumConst(names, field)).join(", "),
      errorImports: ["NotFoundError", "PreconditionFailedError"]
        .concat(options.owned && !options.private ? ["ForbiddenError"] : [])
        .sort()
        .join(", "),
      factoryImports: `create${names.Name}, type FactoryUser, ${names.name}Body`,
      ownerOnly: options.owned ? " (owner or admin)" : "",
      refField: refs[0]?.name ?? "",
      patchBody: patchBody(fields),
      createDescription:
        `A new ${names.label}` +
        (fields.some((field) => field.optional) ? "; an optional field left out is null" : ""),
      createExample: createExample(fields),
      updateExample: updateExample(fields),
      notFound:
        `\`${names.code}_not_found\`: no such ${names.label}` +
        (options.private ? ", or one of someone else's" : ""),
      filterField: filterTest?.field ?? "",
      filterMatch: filterTest?.match ?? "",
      filterOther: filterTest?.other ?? "",
      filterQuery: filterTest?.query ?? "",
      filterArgs: filterTest?.graphqlArgs ?? "",
      graphqlFields: f.graphqlSelection(fields, options.owned),
      ...graphqlRefusal(names, access),
    },
    flags: {
      owned: options.owned,
      private: options.private,
      actor: options.owned || options.private,
      public: !options.private,
      refs: refs.length > 0,
      enums: enums.length > 0,
      filters: filtered,
      ownerFilter: options.owned && !options.private,
      forbidden: options.owned && !options.private,
      filterTest: filterTest !== undefined,
    },
    slots: {
      refImport: [...new Map(refs.map((field) => [field.ref?.table, field.ref])).values()].map(
        (ref) =>
          `import { ${ref?.table} } from "../${ref?.names.module}/${ref?.names.module}.table.ts";`,
      ),
      enumValues: enums.map(
        (field) =>
          `export const ${f.enumConst(names, field)} = ${JSON.stringify(field.values)} as const;`,
      ),
      column: each((field) => f.column(names, field)),
      index: each((field) => f.tableIndex(names, field)),
      bodyField: each((field) => f.bodyField(names, field)),
      createDefault: each(f.createDefault),
      responseField: each((field) => f.responseField(names, field)),
      queryField: each((field) => f.queryFields(names, field)),
      filterType: each((field) => f.filterTypes(names, field)),
      filterCondition: each((field) => f.filterConditions(names, field)),
      view: each(f.viewField),
      graphqlEnum: each((field) => f.graphqlEnum(names, field)),
      sample: each(sampleField),
      invalidCase: each(invalidCase),
      refFactoryImport: [...new Map(refFactories.map((x) => [x.fn, x])).values()].map(
        (factory) => `import { ${factory.fn} } from "${factory.importPath}";`,
      ),
      patchFactoryImport: patchFactoryImport(fields),
    },
  };
}

const OUTPUTS: [template: string, path: (names: Names) => string][] = [
  ["table.ts", (n) => `src/modules/${n.module}/${n.module}.table.ts`],
  ["schema.ts", (n) => `src/modules/${n.module}/${n.module}.schema.ts`],
  ["repository.ts", (n) => `src/modules/${n.module}/${n.module}.repository.ts`],
  ["service.ts", (n) => `src/modules/${n.module}/${n.module}.service.ts`],
  ["routes.ts", (n) => `src/modules/${n.module}/${n.module}.routes.ts`],
  ["graphql.ts", (n) => `src/modules/${n.module}/${n.module}.graphql.ts`],
  ["test.ts", (n) => `src/modules/${n.module}/${n.module}.test.ts`],
  ["graphql.test.ts", (n) => `src/modules/${n.module}/${n.module}.graphql.test.ts`],
  ["factory.ts", (n) => `test/factories/${n.module}.ts`],
];

export function planModule(root: string, module: string, specs: string[], options: Options): Plan {
  const names = namesOf(module);
  checkName(root, names, options.access !== "shared");
  const fields = parse(specs).map((field) =>
    field.type === "ref" ? { ...field, ref: findRefTarget(root, field) } : field,
  );
  checkGraphqlNames(root, names, fields);
  const ctx = context(names, fields, options.access);
  const files = OUTPUTS.map(([template, path]) => ({
    path: path(names),
    content: render(readFileSync(join(TEMPLATES, template), "utf8"), ctx),
  }));
  const wiring = render(readFileSync(join(TEMPLATES, "wiring.ts"), "utf8"), ctx);
  return { names, fields, options, files, ...wiringOf(wiring, names) };
}

const pathAndMarker = ({ path, marker }: { path: string; marker: string }) => ({ path, marker });

/** Splits the rendered wiring template into its `// gen:section` parts. */
function wiringOf(text: string, names: Names) {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    const section = /^\/\/ gen:section (\S+)/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1] ?? "", current);
    } else if (current && line.trim() !== "" && !line.startsWith("//")) current.push(line);
  }
  const get = (name: string) => sections.get(name) ?? [];
  return {
    imports: [
      { path: "src/deps.ts", lines: get("deps-imports") },
      { path: "src/app.ts", lines: get("app-imports") },
      { path: "src/graphql/schema.ts", lines: get("graphql-imports") },
      { path: "src/graphql/resolvers.ts", lines: get("graphql-service-imports") },
    ],
    insertions: [
      { ...MARKERS.services, lines: get("services") },
      { ...MARKERS.deps, lines: get("deps") },
      { ...MARKERS.routes, lines: get("routes") },
      {
        path: MARKERS.exportSections.path,
        marker: MARKERS.exportSections.marker,
        lines: get("export-sections"),
      },
      {
        path: MARKERS.deletionSteps.path,
        marker: MARKERS.deletionSteps.marker,
        lines: get("deletion-steps"),
      },
      { ...pathAndMarker(MARKERS.graphqlModules), lines: get("graphql-modules") },
      { ...pathAndMarker(MARKERS.graphqlServiceType), lines: get("graphql-service-type") },
      { ...MARKERS.graphqlServices, lines: get("graphql-services") },
    ].filter((insertion) => insertion.lines.length > 0),
    schemaExport: `export * from "../modules/${names.module}/${names.module}.table.ts";`,
  };
}
