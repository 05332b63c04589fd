// Turns the figures of `npm run test:topology` (reports/topology.json) into the table in
// docs/reliability.md, with the versions and the setup they were measured on.
import { existsSync, readFileSync } from "node:fs";
import { replaceSection } from "./doc-section.mjs";

const REPORT = "reports/topology.json";
const DOC = "docs/reliability.md";
const START = "<!-- topology:start -->";
const END = "<!-- topology:end -->";

if (!existsSync(REPORT)) {
  console.error(`no ${REPORT}: run the topology test first`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(REPORT, "utf8"));
const at = report.at.slice(0, 16).replace("T", " ");
const versions = Object.values(report.versions).join(", ");
const rows = [...report.figures].sort((a, b) => a.test.localeCompare(b.test));
const table = [
  `Run at ${at} UTC on ${versions}. ${report.setup}.`,
  "",
  "| test | what it injects | figure | result |",
  "|---|---|---|---|",
  ...rows.map(
    (r) => `| ${r.test} | ${r.injects} | ${r.figure} | ${r.pass ? "pass" : "**FAIL**"} |`,
  ),
].join("\n");
replaceSection(DOC, START, END, table);
console.log(`updated ${DOC} with ${rows.length} topology figures`);
