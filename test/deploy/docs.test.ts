import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLES } from "../../src/config.ts";
import { readCompose } from "./compose.ts";

const doc = readFileSync("docs/deploy.md", "utf8");

/** The text of one `## ` section, up to the next. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  expect(start, `docs/deploy.md has no "## ${title}"`).toBeGreaterThan(-1);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

/** Names in backticks in the first column of the section's tables. */
function tableNames(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => [...(line.split("|")[1] ?? "").matchAll(/`([A-Z][A-Z0-9_]+)`/g)])
    .map((match) => match[1] as string);
}

/** `name: "…"` in a metrics file: the metrics it defines. */
const definedMetrics = ["src/lib/metrics.ts", "src/jobs/metrics.ts"].flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(/name: "([a-z_]+)"/g)].map((match) => match[1]),
);

describe("docs/deploy.md", () => {
  it("lists every variable the configuration reads under Environment", () => {
    const listed = tableNames(section("Environment"));
    expect(ENV_VARIABLES.filter((name) => !listed.includes(name))).toEqual([]);
  });

  it("lists no variable that nothing reads: the configuration's, or compose's own", () => {
    const compose = readFileSync("compose.yaml", "utf8");
    const listed = tableNames(section("Environment"));
    const unknown = listed.filter(
      (name) => !(ENV_VARIABLES as string[]).includes(name) && !compose.includes(`\${${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it("gives for each variable compose sets the value it sets", () => {
    const rows = section("Environment")
      .split("\n")
      .filter((line) => line.startsWith("| `"));
    const { services } = readCompose();
    for (const name of ["api-1", "worker", "migrate"]) {
      for (const [key, value] of Object.entries(services[name]?.environment ?? {})) {
        const row = rows.find((line) => line.split("|")[1]?.includes(`\`${key}\``));
        const column = row?.split("|")[3] ?? "";
        // A literal as it is; an interpolation by the variable it reads (`${APP_URL:-…}`).
        const expected = /^\$\{(\w+)/.exec(String(value))?.[0] ?? String(value).split("${")[0];
        expect(column, `${name} ${key}`).toContain(expected);
      }
    }
  });

  it("explains every metric Stratum defines under Monitoring", () => {
    const monitoring = section("Monitoring");
    expect(definedMetrics.length).toBeGreaterThan(0);
    for (const metric of definedMetrics) expect(monitoring).toContain(`\`${metric}\``);
  });

  it("has the image's, compose's, the environment's and monitoring's sections", () => {
    for (const title of ["The image", "Compose", "Environment", "Monitoring"]) section(title);
  });
});
