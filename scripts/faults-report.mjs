// Turns the figures recorded by `npm run test:faults` into the table in docs/reliability.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

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
const doc = readFileSync(DOC, "utf8");
const start = doc.indexOf(START);
const end = doc.indexOf(END);
if (start < 0 || end < 0) {
  console.error(`${DOC} lacks the ${START} … ${END} markers`);
  process.exit(1);
}
writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${table}\n${doc.slice(end)}`);
console.log(`updated ${DOC} with ${rows.length} figures`);
