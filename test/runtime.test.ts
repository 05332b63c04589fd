import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

describe("the runtime", () => {
  it("refuses to install on a Node.js that engines does not allow", () => {
    expect(readFileSync(".npmrc", "utf8")).toMatch(/^engine-strict=true$/m);
  });

  it("runs the TypeScript entry points on plain node, with no loader", () => {
    const typescript = Object.entries(pkg.scripts).filter(([, command]) => /\.ts\b/.test(command));
    expect(typescript.map(([name]) => name)).toContain("start");
    for (const [name, command] of typescript) {
      expect({ name, command }).toEqual({
        name,
        command: expect.not.stringMatching(/--import|--loader|--require|\btsx\b|\bts-node\b/),
      });
    }
    expect(Object.keys(pkg.dependencies)).not.toContain("tsx");
  });
});
