import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "./helpers/app.ts";

describe("OpenAPI", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("serves an OpenAPI 3.1 document at /openapi.json", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).toBe(200);
    expect(response.json().openapi).toBe("3.1.0");
    expect(response.json().paths["/health/ready"]).toBeDefined();
  });

  it("serves the interactive docs at /docs", async () => {
    const response = await ctx.app.inject({ method: "GET", url: "/docs/" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/text\/html/);
  });

  it("matches the committed openapi.json (run `npm run openapi` after changing routes)", async () => {
    const committed = JSON.parse(readFileSync("openapi.json", "utf8"));
    const generated = JSON.parse(JSON.stringify(ctx.app.swagger()));
    expect(generated).toEqual(committed);
  });
});
