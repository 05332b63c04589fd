// Runs dependency-cruiser and fails when it cruised nothing: with an incompatible TypeScript
// it silently sees 0 modules, which would make every layer rule pass.
import { execFileSync } from "node:child_process";

let output;
try {
  output = execFileSync(
    "npx",
    ["depcruise", "src", "--config", ".dependency-cruiser.cjs", "--output-type", "json"],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
} catch (error) {
  output = error.stdout;
  if (!output) throw error;
}
const { summary } = JSON.parse(output);
const violations = summary.violations.filter((v) => v.rule.severity === "error");
for (const v of violations) {
  console.error(`✗ ${v.rule.name}: ${v.from} → ${v.to}`);
}
if (summary.totalCruised === 0) {
  console.error("✗ dependency-cruiser cruised 0 modules: check the TypeScript version");
  process.exit(1);
}
if (violations.length > 0) process.exit(1);
console.log(
  `✓ layer rules hold (${summary.totalCruised} modules, ${summary.totalDependenciesCruised} dependencies)`,
);
