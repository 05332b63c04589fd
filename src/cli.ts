import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { printSchema } from "graphql";
import { buildApp } from "./app.ts";
import type { Config } from "./config.ts";
import { DataDirLockedError } from "./db/lock.ts";
import { migrate } from "./db/migrate.ts";
import { createDeps, type Deps } from "./deps.ts";
import { createGraphqlSchema } from "./graphql/schema.ts";
import { runJobsCommand } from "./jobs/jobs.cli.ts";
import { configOrExit, exitOnStartupError } from "./lib/bootstrap.ts";
import { runMfaReset } from "./modules/auth/mfa.cli.ts";
import { assertSeedAllowed, demoUsersReport, seedRecipes } from "./modules/recipes/recipes.seed.ts";
import { runUserCreate, runUserUpdate } from "./modules/users/users.cli.ts";

type Command = {
  summary: string;
  /** Throws when the command must not run with this configuration, before the database opens. */
  guard?(config: Config): void;
  run(deps: Deps, args: string[]): Promise<void>;
};

/** Every command runs pending migrations first, so a fresh database just works. */
const commands: Record<string, Command> = {
  jobs: {
    summary: "dead-letter queue: `jobs failed`, `jobs retry <id>`",
    async run(deps, args) {
      console.log(await runJobsCommand(deps.queue, args));
    },
  },
  "user:create": {
    summary: "create a user: --email E [--name N] [--role admin] [--password-stdin]",
    async run(deps, args) {
      console.log(await runUserCreate(deps.users, args));
    },
  },
  "user:update": {
    summary: "change a user: --email E [--role admin|user] [--enable|--disable]",
    async run(deps, args) {
      console.log(await runUserUpdate(deps.adminUsers, args));
    },
  },
  "user:reset-mfa": {
    summary: "turn a user's two-step sign-in off (lost app and recovery codes): --email E",
    async run(deps, args) {
      console.log(await runMfaReset(deps, args));
    },
  },
  "db:migrate": {
    summary: "apply pending migrations (every command does this first)",
    async run() {
      console.log("migrations applied");
    },
  },
  "db:seed": {
    summary: "demo users and recipes, idempotent (--recipes N, default 60); not in production",
    guard: assertSeedAllowed,
    async run(deps, args) {
      const { values } = parseArgs({
        args,
        options: { recipes: { type: "string", default: "60" } },
      });
      const count = Number(values.recipes);
      if (!Number.isInteger(count) || count < 0) {
        throw new Error("--recipes must be a whole number");
      }
      const step = Math.max(10_000, Math.ceil(count / 10));
      const result = await seedRecipes(deps, {
        count,
        progress: (done) => done % step === 0 && console.log(`  ${done} recipes`),
      });
      console.log(`${result.created} recipes added (${result.total} seeded in all).`);
      console.log(demoUsersReport(result));
    },
  },
  openapi: {
    summary: "write the OpenAPI document to openapi.json (or --out FILE)",
    async run(deps, args) {
      const { values } = parseArgs({
        args,
        options: { out: { type: "string", default: "openapi.json" } },
      });
      const app = await buildApp(deps);
      await app.ready();
      writeFileSync(values.out, `${JSON.stringify(app.swagger(), null, 2)}\n`);
      await app.close();
      console.log(`wrote ${values.out}`);
    },
  },
  "graphql:schema": {
    summary: "write the GraphQL schema to schema.graphql (or --out FILE)",
    async run(_deps, args) {
      const { values } = parseArgs({
        args,
        options: { out: { type: "string", default: "schema.graphql" } },
      });
      writeFileSync(values.out, `${printSchema(createGraphqlSchema())}\n`);
      console.log(`wrote ${values.out}`);
    },
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(16)} ${command.summary}`,
  );
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stderr.write(name ? `unknown command: ${name}\n\n${usage()}` : usage());
  process.exit(2);
}

const config = configOrExit();
try {
  command.guard?.(config);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
// A command never runs jobs itself, whatever WORKER_MODE says.
const worker = { ...config.worker, mode: "off" as const };
// Commands print their own results; only errors from the wiring are worth a log line here.
const deps = await createDeps({ ...config, logLevel: "error", worker }).catch((error) => {
  // The usual case: the server holds the embedded database. Say which command did not run.
  if (!(error instanceof DataDirLockedError)) return exitOnStartupError(error);
  process.stderr.write(`${name} did not run: ${error.message}\n`);
  process.exit(1);
});
let exitCode = 0;
try {
  await migrate(deps.database);
  await command.run(deps, args);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  await deps.close();
}
process.exit(exitCode);
