// `npm run verify [-- --fast]`: proves the project's rules hold, printed as a checklist.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingPatches } from "../src/lib/dependency-patches.ts";
import { listProblems, routeProblems } from "./openapi-rules.ts";
import { statusCoverage } from "./status-coverage.ts";

type Result = { ok: boolean; reason: string };
type Check = { name: string; run(): Result | Promise<Result> };

const fast = process.argv.includes("--fast");
// The statuses the tests saw per operation (test/helpers/statuses.ts).
const STATUS_DIR = "reports/statuses";

function sh(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: result.status ?? 1, out: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

function lastLines(text: string, count = 15): string {
  return text.trim().split("\n").slice(-count).join("\n");
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

const checks: Check[] = [
  {
    name: "lint and format (Biome)",
    run() {
      const { code, out } = sh("npx", ["biome", "check", "."]);
      return { ok: code === 0, reason: code === 0 ? "clean" : lastLines(out) };
    },
  },
  {
    name: "types (tsc --noEmit)",
    run() {
      const { code, out } = sh("npx", ["tsc", "--noEmit"]);
      return { ok: code === 0, reason: code === 0 ? "no errors" : lastLines(out) };
    },
  },
  {
    name: "layer rules (dependency-cruiser)",
    run() {
      const { code, out } = sh("node", ["scripts/arch.mjs"]);
      return { ok: code === 0, reason: lastLines(out, code === 0 ? 1 : 20) };
    },
  },
  {
    name: "dependency patches apply (patches/, patch-package)",
    run() {
      // Installed without them (`--ignore-scripts`): say so rather than patch behind one's back.
      const missing = missingPatches();
      if (missing.length) return { ok: false, reason: missing.join("\n") };
      // Each patch matches its package as installed; another version of it is refused, so an
      // upgrade is a moment to check whether the release has the fix.
      const { code, out } = sh("npx", ["patch-package", "--error-on-fail", "--error-on-warn"]);
      return { ok: code === 0, reason: code === 0 ? "all applied" : lastLines(out) };
    },
  },
  {
    name: "OpenAPI document up to date",
    run() {
      const dir = mkdtempSync(join(tmpdir(), "stratum-openapi-"));
      try {
        const out = join(dir, "openapi.json");
        const result = sh(process.execPath, ["src/cli.ts", "openapi", "--out", out], {
          DATA_DIR: join(dir, "data"),
          DATABASE_URL: "",
          LOG_LEVEL: "silent",
        });
        if (result.code !== 0) return { ok: false, reason: lastLines(result.out) };
        const same = readFileSync(out, "utf8") === readFileSync("openapi.json", "utf8");
        return {
          ok: same,
          reason: same ? "openapi.json matches the routes" : "run `npm run openapi`",
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: "GraphQL schema up to date",
    run() {
      const dir = mkdtempSync(join(tmpdir(), "stratum-graphql-"));
      try {
        const out = join(dir, "schema.graphql");
        const result = sh(process.execPath, ["src/cli.ts", "graphql:schema", "--out", out], {
          DATA_DIR: join(dir, "data"),
          DATABASE_URL: "",
          LOG_LEVEL: "silent",
        });
        if (result.code !== 0) return { ok: false, reason: lastLines(result.out) };
        const same = readFileSync(out, "utf8") === readFileSync("schema.graphql", "utf8");
        return {
          ok: same,
          reason: same ? "schema.graphql matches the code" : "run `npm run graphql:schema`",
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: "client types generated from openapi.json",
    run() {
      const dir = mkdtempSync(join(tmpdir(), "stratum-client-"));
      try {
        const out = join(dir, "schema.ts");
        // The package's own generate script (`npm run client:generate`), written to a temp file.
        const pkg = JSON.parse(readFileSync("packages/client/package.json", "utf8"));
        const command = String(pkg.scripts.generate).split(" ");
        command[command.indexOf("--output") + 1] = out;
        const result = sh("npm", ["exec", "--workspace", "@stratum/client", "--", ...command]);
        if (result.code !== 0) return { ok: false, reason: lastLines(result.out) };
        const committed = "packages/client/src/schema.ts";
        const same = readFileSync(out, "utf8") === readFileSync(committed, "utf8");
        return {
          ok: same,
          reason: same ? `${committed} matches` : "run `npm run client:generate`",
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: "migrations in sync with the tables",
    run() {
      const dir = mkdtempSync(join(tmpdir(), "stratum-migrations-"));
      try {
        cpSync("src/db/migrations", dir, { recursive: true });
        const sqlFiles = () => readdirSync(dir).filter((name) => name.endsWith(".sql")).length;
        const before = sqlFiles();
        const result = sh("npx", [
          "drizzle-kit",
          "generate",
          "--dialect",
          "postgresql",
          "--schema",
          "./src/db/schema.ts",
          "--out",
          dir,
          "--casing",
          "snake_case",
        ]);
        if (result.code !== 0) return { ok: false, reason: lastLines(result.out) };
        const same = sqlFiles() === before;
        return {
          ok: same,
          reason: same ? "generating would produce nothing" : "run `npm run db:generate`",
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: "compose.yaml follows the Compose specification (dclint)",
    run() {
      // dclint validates against the Compose schema it ships: offline, no container engine.
      const { code, out } = sh("npx", ["dclint", "--max-warnings", "0", "compose.yaml"]);
      return { ok: code === 0, reason: code === 0 ? "valid, no warnings" : lastLines(out) };
    },
  },
  {
    name: "every route declares auth, an operationId, named shapes and a Problem per error",
    run() {
      const problems = routeProblems(JSON.parse(readFileSync("openapi.json", "utf8")));
      return {
        ok: problems.length === 0,
        reason: problems.length === 0 ? "all routes declare them" : problems.join("\n"),
      };
    },
  },
  {
    name: "every list route is paginated with a cap",
    run() {
      const problems = listProblems(JSON.parse(readFileSync("openapi.json", "utf8")));
      return {
        ok: problems.length === 0,
        reason:
          problems.length === 0 ? "limit ≤ 100 and a cursor on every list" : problems.join("\n"),
      };
    },
  },
  {
    name: "no raw SQL string building",
    run() {
      const offenders = sourceFiles("src").filter((file) => {
        const text = readFileSync(file, "utf8");
        return (
          /sql\.raw\(|sql`[^`]*`\s*\+|\.unsafe\(/.test(text) &&
          !text.includes("verify: raw-sql-allowed")
        );
      });
      return {
        ok: offenders.length === 0,
        reason: offenders.length === 0 ? "none found" : offenders.join(", "),
      };
    },
  },
  {
    name: "no console.* outside the CLI",
    run() {
      const offenders = sourceFiles("src").filter(
        (file) =>
          !/src\/cli(\.ts|\/)/.test(file) && /\bconsole\.\w+\(/.test(readFileSync(file, "utf8")),
      );
      return {
        ok: offenders.length === 0,
        reason: offenders.length === 0 ? "none found" : offenders.join(", "),
      };
    },
  },
  {
    name: "no secrets committed",
    run() {
      const { out } = sh("git", ["ls-files"]);
      const pattern =
        /(-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|xox[baprs]-[0-9A-Za-z-]{10,}|gh[pousr]_[0-9A-Za-z]{36})/;
      const offenders = out
        .split("\n")
        .filter((file) => file && !file.startsWith("node_modules/") && !file.endsWith(".txt"))
        .filter((file) => {
          try {
            return pattern.test(readFileSync(file, "utf8"));
          } catch {
            return false;
          }
        });
      const envTracked = out.split("\n").includes(".env");
      const ok = offenders.length === 0 && !envTracked;
      return {
        ok,
        reason: ok ? "none found" : [...offenders, ...(envTracked ? [".env"] : [])].join(", "),
      };
    },
  },
];

if (!fast) {
  checks.push({
    name: "tests with coverage ≥ 80% lines",
    run() {
      const report = process.env.VERIFY_TEST_REPORT;
      const reporters = report
        ? ["--reporter=default", "--reporter=json", `--outputFile.json=${report}`]
        : [];
      rmSync(STATUS_DIR, { recursive: true, force: true });
      const { code, out } = sh("npx", ["vitest", "run", "--coverage", ...reporters], {
        STATUS_REPORT_DIR: STATUS_DIR,
      });
      process.stdout.write(out);
      const summary = out.match(/Lines\s*:\s*([\d.]+)%/);
      return {
        ok: code === 0,
        reason: `${code === 0 ? "passed" : "failed"}${summary ? `, lines ${summary[1]}%` : ""}`,
      };
    },
  });
  checks.push({
    name: "every error status in openapi.json is produced by a test, and no other",
    run() {
      const { documented, untested, undocumented } = statusCoverage(STATUS_DIR);
      const problems = [
        ...untested.map((entry) => `listed, produced by no test: ${entry}`),
        ...undocumented.map((entry) => `answered in a test, not listed: ${entry}`),
      ];
      return {
        ok: problems.length === 0,
        reason: problems.length === 0 ? `all ${documented} produced` : problems.join("\n"),
      };
    },
  });
}

let failed = 0;
for (const check of checks) {
  const result = await check.run();
  if (!result.ok) failed++;
  const [first, ...rest] = result.reason.split("\n");
  console.log(`${result.ok ? "✓" : "✗"} ${check.name} — ${first}`);
  for (const line of rest) console.log(`    ${line}`);
}
console.log(failed === 0 ? "\nverify: all checks passed" : `\nverify: ${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
