// `npm run gen -- module <name> [fields…] [--public-read | --shared] [--dry-run]`: writes a module
// that follows the recipes module's rules, wires it in (REST and GraphQL), migrates it and
// refreshes openapi.json and schema.graphql.
import { parseArgs } from "node:util";
import {
  formatSource,
  formatStep,
  graphqlSchemaStep,
  migrationStep,
  openapiStep,
  type Step,
  writeFiles,
} from "./apply.ts";
import { FIELD_TYPES } from "./fields.ts";
import { type Access, accessFrom, graphqlNames, type Plan, planModule, Refusal } from "./plan.ts";

const USAGE = `usage: npm run gen -- module <name> [fields…] [--public-read | --shared] [--dry-run]

  name           plural, kebab-case: todos, shopping-items
  fields         'name:type[:arg]', a trailing ? makes it optional (nullable); quote each one,
                 as ? and .. mean something to the shell:
                   'title:string:200'   'notes:text'   'priority:int:1..5'   'price:number'
                   'done:boolean'   'dueAt:timestamp?'   'birthday:date'
                   'status:enum:open,closed'   'projectId:ref:projects'
                 types: ${FIELD_TYPES.join(", ")}
  (no flag)      rows belong to their creator: only they and admins read or change them
  --public-read  rows belong to their creator: anyone reads them, only they and admins change them
  --shared       rows have no owner: anyone reads them, ANY signed-in user changes or deletes them
  --dry-run      print the plan and the files, write nothing

  --owned --private (the old spelling of the default) still works; --owned alone is refused.
`;

const ACCESS: Record<Access, string> = {
  private: "owned and private: only the owner and admins read or change a row",
  "public-read": "owned, public read: anyone reads; only the owner and admins change a row",
  shared: "shared, no owner: anyone reads; any signed-in user changes or deletes any row",
};

function describe(plan: Plan): string {
  const { names, fields, options } = plan;
  const access = ACCESS[options.access];
  const account = options.access === "shared" ? "" : "; the owner's data export and deletion";
  const gql = graphqlNames(names, fields);
  const lines = [
    `module ${names.module} (table ${names.table}; ${access})`,
    ...fields.map(
      (field) =>
        `  ${field.name}: ${field.type}${field.optional ? ", optional" : ""}${field.ref ? ` → ${field.ref.table}` : ""}`,
    ),
    "",
    "writes:",
    ...plan.files.map((file) => `  ${file.path}`),
    "edits:",
    `  src/deps.ts (wiring${account}), src/app.ts (routes, GraphQL services),`,
    "  src/db/schema.ts (table export), src/graphql/schema.ts (the module's GraphQL part),",
    "  src/graphql/resolvers.ts (GraphqlServices)",
    `GraphQL: ${gql.Query.join(", ")} (query), ${gql.Mutation.join(", ")} (mutation)`,
    "then runs: drizzle-kit generate, biome check --write, npm run openapi, npm run graphql:schema",
  ];
  return lines.join("\n");
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "public-read": { type: "boolean", default: false },
      shared: { type: "boolean", default: false },
      // The first release's flags: see accessFrom.
      owned: { type: "boolean", default: false },
      private: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [kind, name, ...fields] = positionals;
  return { values, kind, name, fields };
}

function report(step: Step): boolean {
  console.log(`${step.ok ? "✓" : "✗"} ${step.name}`);
  const text = step.ok ? step.note : step.output;
  if (text) console.log(`  ${text.replaceAll("\n", "\n  ")}`);
  return step.ok;
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(`gen: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.kind !== "module" || !args.name) {
    console.error(USAGE);
    return 2;
  }
  const root = process.cwd();
  let plan: Plan;
  try {
    plan = planModule(root, args.name, args.fields, { access: accessFrom(args.values) });
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    console.error(`gen: ${error.message}\nnothing was written.`);
    return 1;
  }
  plan.files = await Promise.all(
    plan.files.map(async (file) => ({
      ...file,
      content: await formatSource(root, file.path, file.content),
    })),
  );
  console.log(describe(plan));
  if (args.values["dry-run"]) {
    for (const file of plan.files) console.log(`\n// ── ${file.path}\n${file.content}`);
    console.log("\n--dry-run: nothing was written.");
    return 0;
  }
  writeFiles(root, plan);
  console.log("");
  for (const step of [
    () => migrationStep(root, plan),
    () => formatStep(root, plan),
    () => openapiStep(root),
    () => graphqlSchemaStep(root),
  ]) {
    if (!report(step())) {
      console.error("\ngen: the module is written, but a step failed; fix it and rerun that step.");
      return 1;
    }
  }
  console.log(`\nnext: npx vitest run src/modules/${plan.names.module}`);
  return 0;
}

process.exit(await main(process.argv.slice(2)));
