import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecipe, signUp } from "../factories/recipes.ts";
import { createTestApp, type TestContext } from "../helpers/app.ts";
import {
  type Answer,
  expectProblem,
  limitsEnv,
  listen,
  recordLimits,
  round,
  send,
} from "./support.ts";

let ctx: TestContext;
let port: number;

beforeAll(async () => {
  ctx = await createTestApp({ env: limitsEnv() });
  ({ port } = await listen(ctx));
});
afterAll(() => ctx.close());

const query = (count: number, pair: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => pair(i)).join("&");

const figureOf = (path: string, answer: Answer) => ({
  urlBytes: Buffer.byteLength(path),
  status: answer.status,
  contentType: String(answer.headers["content-type"]).split(";")[0],
  ms: round(answer.ms),
});

describe("huge query strings and URLs", () => {
  it("answers 4xx, never 5xx, to thousands of parameters and to URLs past the header limit", async () => {
    const recipe = await createRecipe(ctx, await signUp(ctx));
    // Node reads at most 16 KiB of request line and headers: the first four stay under it, the
    // last two pass it (answered before any route runs) or a path parameter's 100 characters.
    const cases = [
      {
        name: "1,500 unknown parameters",
        path: `/api/recipes?${query(1_500, (i) => `x${i}=${i}`)}`,
      },
      {
        name: "1,500 repeated tag parameters",
        path: `/api/recipes?${query(1_500, () => "tag=soup")}`,
      },
      {
        name: "1,500 repeated limit parameters",
        path: `/api/recipes?${query(1_500, () => "limit=5")}`,
      },
      { name: "a 15,000-character parameter", path: `/api/recipes?q=${"a".repeat(15_000)}` },
      { name: "a 100,000-character URL", path: `/api/recipes?q=${"a".repeat(100_000)}` },
      { name: "a 5,000-character path id", path: `/api/recipes/${"a".repeat(5_000)}` },
    ];
    const figures: Record<string, ReturnType<typeof figureOf>> = {};
    const answers: Answer[] = [];
    for (const { name, path } of cases) {
      const answer = await send(port, { path });
      figures[name] = figureOf(path, answer);
      answers.push(answer);
    }
    // Without a socket in between there is no header limit: 100,000 parameters reach the route.
    const injectedPath = `/api/recipes?${query(100_000, () => "tag=soup")}`;
    const started = performance.now();
    const injected = await ctx.app.inject({ url: injectedPath });
    const injectedMs = performance.now() - started;
    const served = await send(port, { path: `/api/recipes/${recipe.id}` });

    const [unknown, tags, limits, longValue, tooLong, longId] = answers as [Answer, ...Answer[]];
    expect(unknown.status).toBe(200);
    expect(JSON.parse(unknown.body)).toHaveProperty("items");
    for (const answer of [tags, limits, longValue]) {
      expectProblem(answer as Answer, 400, "validation_failed");
    }
    expectProblem(tooLong as Answer, 431, "headers_too_large");
    expectProblem(longId as Answer, 414, "uri_too_long");
    expectProblem(
      { status: injected.statusCode, headers: injected.headers, body: injected.body },
      400,
      "validation_failed",
    );
    expect(served.status).toBe(200);

    await recordLimits("url", {
      ...figures,
      "100,000 repeated tag parameters, in process (no socket)": {
        urlBytes: Buffer.byteLength(injectedPath),
        status: injected.statusCode,
        ms: round(injectedMs),
      },
      "a read right after": figureOf(`/api/recipes/${recipe.id}`, served),
    });
  });
});
