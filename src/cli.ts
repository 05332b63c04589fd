import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildApp } from "./app.ts";
import { migrate } from "./db/migrate.ts";
import { createDeps, type Deps } from "./deps.ts";
import { configOrExit, exitOnStartupError } from "./lib/bootstrap.ts";

type Command = {
  summary: string;
  run(deps: Deps, args: string[]): Promise<void>;
};

/** Every command runs pending migrations first, so a fresh database just works. */
const commands: Record<string, Command> = {
  "db:migrate": {
    summary: "apply pending migrations (every command does this first)",
    async run() {
      console.log("migrations applied");
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
const deps = await createDeps({ ...config, logLevel: "warn" }).catch(exitOnStartupError);
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
