// Turns the cells recorded by the authorization matrices (reports/authz/<module>.jsonl, written by
// test/helpers/authz-matrix.ts) into the table in docs/reliability.md. Exits 1 when a cell failed,
// a declared cell did not run, or an operation of openapi.json with a path parameter has no matrix.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { replaceSection } from "./doc-section.mjs";

const DIR = "reports/authz";
const DOC = "docs/reliability.md";
const OPENAPI = "openapi.json";
const START = "<!-- authz:start -->";
const END = "<!-- authz:end -->";

const files = existsSync(DIR) ? readdirSync(DIR).filter((name) => name.endsWith(".jsonl")) : [];
if (files.length === 0) {
  console.error(`no ${DIR}/*.jsonl: run the authorization tests first`);
  process.exit(1);
}

// A GraphQL column (<module>.graphql.jsonl) names itself "<module> (GraphQL)", after its REST table.
const modules = files
  .map((name) => {
    const lines = readFileSync(join(DIR, name), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const head = lines.find((line) => "declared" in line);
    const cells = lines.filter((line) => "route" in line);
    return {
      module: head?.module ?? name.replace(/\.jsonl$/, ""),
      declared: head?.declared ?? 0,
      cells,
    };
  })
  .sort((a, b) => a.module.localeCompare(b.module));

/** "GET, PATCH /api/recipes/:id" — methods grouped by path, in first-seen order. */
function routesOf(cells) {
  const byPath = new Map();
  for (const { route } of cells) {
    const [method, path] = route.split(" ");
    const methods = byPath.get(path) ?? new Set();
    methods.add(method);
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => `${[...methods].join(", ")} \`${path}\``);
}

const unique = (values) => [...new Set(values)];
const at = (cells) =>
  cells
    .map((cell) => cell.at)
    .sort()
    .at(-1)
    ?.slice(0, 16)
    .replace("T", " ") ?? "never";

const rows = modules.map(({ module, declared, cells }) => {
  const failing = cells.filter((cell) => !cell.pass).length;
  const tested = cells.length === declared ? `${cells.length}` : `${cells.length} of ${declared}`;
  const routes = unique(cells.map((cell) => cell.route)).length;
  return {
    line: `| ${module} | ${routes}: ${routesOf(cells).join("; ")} | ${unique(cells.map((c) => c.actor)).join(", ")} | ${tested} | ${failing} | ${at(cells)} |`,
    routes,
    tested: cells.length,
    missing: declared - cells.length,
    failing,
  };
});
const sum = (key) => rows.reduce((total, row) => total + row[key], 0);

// Operations with a path parameter in the published contract, as the tests name them.
const operations = Object.entries(JSON.parse(readFileSync(OPENAPI, "utf8")).paths)
  .filter(([path]) => path.includes("{"))
  .flatMap(([path, methods]) =>
    Object.keys(methods).map(
      (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`,
    ),
  );
const tested = new Set(modules.flatMap(({ cells }) => cells.map((cell) => cell.route)));
const untested = operations.filter((operation) => !tested.has(operation));

const table = [
  "| module | routes | actors | cells tested | cells failing | run at (UTC) |",
  "|---|---|---|---|---|---|",
  ...rows.map((row) => row.line),
  `| **all** | ${sum("routes")} | | ${sum("tested")} | ${sum("failing")} | |`,
  "",
  `Operations with a path parameter in \`openapi.json\`: ${operations.length}; without a matrix: ${
    untested.length === 0 ? "none" : untested.map((op) => `\`${op}\``).join(", ")
  }.`,
].join("\n");

replaceSection(DOC, START, END, table);
console.log(
  `updated ${DOC}: ${sum("tested")} cells in ${rows.length} modules, ${sum("failing")} failing, ` +
    `${sum("missing")} not run, ${untested.length} operations without a matrix`,
);
if (sum("failing") > 0 || sum("missing") > 0 || untested.length > 0) process.exit(1);
