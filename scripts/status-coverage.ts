// `node scripts/status-coverage.ts [dir]`: compares the error statuses openapi.json lists per
// operation with those the tests produced (recorded in STATUS_REPORT_DIR, default
// reports/statuses, by test/helpers/statuses.ts). Exits 1 when a listed status was produced by no
// test, or a test saw an operation answer a status its entry does not list.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Document = { paths: Record<string, Record<string, { responses?: object }>> };

export type StatusCoverage = { documented: number; untested: string[]; undocumented: string[] };

export function statusCoverage(dir: string, documentFile = "openapi.json"): StatusCoverage {
  const document = JSON.parse(readFileSync(documentFile, "utf8")) as Document;
  const listed = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const status of Object.keys(operation.responses ?? {})) {
        listed.add(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
  }
  const seen = new Set<string>();
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".txt")) : [];
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) if (line) seen.add(line);
  }
  const operationOf = (entry: string) => entry.slice(0, entry.lastIndexOf(" "));
  const operations = new Set([...listed].map(operationOf));
  const isError = (entry: string) => Number(entry.slice(entry.lastIndexOf(" ") + 1)) >= 400;
  return {
    documented: [...listed].filter(isError).length,
    untested: [...listed].filter((entry) => isError(entry) && !seen.has(entry)).sort(),
    undocumented: [...seen]
      .filter((entry) => operations.has(operationOf(entry)) && !listed.has(entry))
      .sort(),
  };
}

if (import.meta.main) {
  const dir = process.argv[2] ?? process.env.STATUS_REPORT_DIR ?? "reports/statuses";
  const { documented, untested, undocumented } = statusCoverage(dir);
  for (const entry of untested) console.log(`listed, produced by no test: ${entry}`);
  for (const entry of undocumented) console.log(`answered, not listed: ${entry}`);
  const ok = untested.length === 0 && undocumented.length === 0;
  console.log(
    `${documented} documented error statuses; ${untested.length} untested, ${undocumented.length} undocumented`,
  );
  process.exit(ok ? 0 : 1);
}
