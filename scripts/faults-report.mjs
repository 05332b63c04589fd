// Turns the figures recorded by `npm run test:faults` into the table in docs/reliability.md.
import { existsSync, readFileSync } from "node:fs";
import { replaceSection } from "./doc-section.mjs";

const RESULTS = "reports/faults.jsonl";
const DOC = "docs/reliability.md";
const START = "<!-- faults:start -->";
const END = "<!-- faults:end -->";

if (!existsSync(RESULTS)) {
  console.error(`no ${RESULTS}: run the fault tests first`);
  process.exit(1);
}
const rows = readFileSync(RESULTS, "utf8")
  .trim()
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line))
  .sort((a, b) => a.test.localeCompare(b.test));
const table = [
  "| test | what it injects | figure | result | run at (UTC) |",
  "|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.test} | ${r.injects} | ${r.figure} | ${r.pass ? "pass" : "**FAIL**"} | ${r.at.slice(0, 16).replace("T", " ")} |`,
  ),
].join("\n");
replaceSection(DOC, START, END, table);
console.log(`updated ${DOC} with ${rows.length} figures`);
