// Writes a plan: the new files, the wiring lines, then the migration, formatting, openapi.json and
// schema.graphql through the project's own tools, so the result is what a person running them
// would get.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Plan } from "./plan.ts";

/** `output` is shown on failure; `note`, when set, always. */
export type Step = { name: string; ok: boolean; output: string; note?: string };

/** Inserts `lines` above the marker line, indented like it. */
export function insertAbove(text: string, marker: string, lines: string[]): string {
  const at = text.split("\n").findIndex((line) => {
    const trimmed = line.trim();
    return trimmed === marker || trimmed.startsWith(`${marker} `);
  });
  if (at === -1) throw new Error(`no "${marker}" line`);
  const all = text.split("\n");
  const indent = /^\s*/.exec(all[at] ?? "")?.[0] ?? "";
  all.splice(at, 0, ...lines.map((line) => indent + line));
  return all.join("\n");
}

/** Adds import lines after the last top-level import statement. */
export function addImports(text: string, lines: string[]): string {
  const all = text.split("\n");
  let last = -1;
  for (const [index, line] of all.entries()) {
    if (/^(import\b|export \* from)/.test(line) || /^} from "[^"]+";$/.test(line)) last = index;
    else if (/^(export|const|function|async|type|let|class)\b/.test(line)) break;
  }
  all.splice(last + 1, 0, ...lines);
  return all.join("\n");
}

/** The file as the project's formatter writes it (imports sorted, lines wrapped). */
export function formatSource(root: string, path: string, content: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const biome = join(root, "node_modules/.bin/biome");
    const child = spawn(biome, ["check", "--write", `--stdin-file-path=${path}`], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`biome refused the generated ${path}:\n${stderr || stdout}`));
    });
    child.stdin.end(content);
  });
}

function edit(root: string, path: string, change: (text: string) => string): void {
  const file = join(root, path);
  writeFileSync(file, change(readFileSync(file, "utf8")));
}

export function writeFiles(root: string, plan: Plan): void {
  for (const file of plan.files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  for (const { path, lines } of plan.imports) edit(root, path, (text) => addImports(text, lines));
  for (const { path, marker, lines } of plan.insertions) {
    edit(root, path, (text) => insertAbove(text, marker, lines));
  }
  edit(root, "src/db/schema.ts", (text) => `${text.trimEnd()}\n${plan.schemaExport}\n`);
}

function run(root: string, name: string, command: string, args: string[], env = {}): Step {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  return { name, ok: result.status === 0, output };
}

function uuidFrom(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * drizzle-kit stamps a new migration with a random snapshot id and the wall-clock time. Both are
 * derived from the previous migration instead, so the same command writes the same files; the
 * migrator only needs the times to increase.
 */
export function stabilizeMigration(root: string, tag: string): void {
  const meta = join(root, "src/db/migrations/meta");
  const journalPath = join(meta, "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
    entries: { idx: number; when: number; tag: string }[];
  };
  const entry = journal.entries.find((candidate) => candidate.tag.endsWith(`_${tag}`));
  if (!entry) throw new Error(`drizzle-kit wrote no migration named ${tag}`);
  const previous = journal.entries.find((candidate) => candidate.idx === entry.idx - 1);
  entry.when = previous ? previous.when + 1 : 0;
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}`);
  const snapshotPath = join(meta, `${String(entry.idx).padStart(4, "0")}_snapshot.json`);
  const snapshot = JSON.parse(readFileSync(snapshotPath, "utf8")) as { id: string; prevId: string };
  snapshot.id = uuidFrom(`${snapshot.prevId}/${entry.tag}`);
  writeFileSync(snapshotPath, `${JSON.stringify(snapshot, null, 2)}`);
}

export function migrationStep(root: string, plan: Plan): Step {
  const before = new Set(readdirSync(join(root, "src/db/migrations")));
  const tag = plan.names.table;
  const step = run(root, "migration (drizzle-kit generate)", "npx", [
    "drizzle-kit",
    "generate",
    "--name",
    tag,
  ]);
  if (!step.ok) return step;
  const created = readdirSync(join(root, "src/db/migrations")).filter((f) => !before.has(f));
  if (created.length !== 1) {
    return { ...step, ok: false, output: `expected one new migration, got: ${created.join(", ")}` };
  }
  stabilizeMigration(root, tag);
  const sql = readFileSync(join(root, "src/db/migrations", created[0] ?? ""), "utf8");
  const others = [...sql.matchAll(/CREATE TABLE "(\w+)"/g)]
    .map((match) => match[1])
    .filter((table) => table !== plan.names.table);
  const note = others.length
    ? `\nnote: it also creates ${others.join(", ")}: the tables had other unmigrated changes`
    : "";
  return { ...step, note: `src/db/migrations/${created[0]}${note}` };
}

export function formatStep(root: string, plan: Plan): Step {
  const paths = [
    ...plan.files.map((file) => file.path),
    "src/deps.ts",
    "src/app.ts",
    "src/db/schema.ts",
    "src/graphql/schema.ts",
    "src/graphql/resolvers.ts",
  ];
  return run(root, "format (biome check --write)", "npx", ["biome", "check", "--write", ...paths]);
}

/** A command of src/cli.ts, on a database of its own (the CLI opens one and migrates it). */
function cliStep(root: string, name: string, args: string[]): Step {
  const dataDir = mkdtempSync(join(tmpdir(), "stratum-gen-"));
  try {
    return run(root, name, process.execPath, ["src/cli.ts", ...args], {
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      LOG_LEVEL: "silent",
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function openapiStep(root: string): Step {
  return cliStep(root, "openapi.json (npm run openapi)", ["openapi"]);
}

export function graphqlSchemaStep(root: string): Step {
  return cliStep(root, "schema.graphql (npm run graphql:schema)", ["graphql:schema"]);
}
