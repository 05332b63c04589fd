import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recipes } from "../../src/modules/recipes/recipes.table.ts";
import { signUp, type TestUser } from "../factories/recipes.ts";
import { createTestApp, type TestContext } from "../helpers/app.ts";
import { largestRecipe } from "./recipes.ts";
import { expectProblem, limitsEnv, listen, recordLimits, round, send } from "./support.ts";

let ctx: TestContext;
let port: number;
let author: TestUser;
let limit: number;

beforeAll(async () => {
  // The default limit (1 MiB) unless the environment under test sets another.
  ctx = await createTestApp({ env: limitsEnv() });
  limit = ctx.deps.config.http.bodyLimit;
  ({ port } = await listen(ctx));
  author = await signUp(ctx);
});
afterAll(() => ctx.close());

/** The largest valid recipe, padded with JSON whitespace to exactly `bytes`. */
function validBodyOf(bytes: number, title: string): Buffer {
  const json = JSON.stringify(largestRecipe({ title }));
  const padding = bytes - Buffer.byteLength(json);
  if (padding < 0) throw new Error(`the largest recipe (${Buffer.byteLength(json)} B) > ${bytes}`);
  return Buffer.from(json + " ".repeat(padding));
}

const post = (body: Buffer, options: { chunked?: boolean } = {}) =>
  send(port, {
    method: "POST",
    path: "/api/recipes",
    headers: { ...author.headers, "content-type": "application/json" },
    ...(options.chunked
      ? { chunks: [body.subarray(0, body.length >> 1), body.subarray(body.length >> 1)] }
      : { body }),
  });

const countByTitle = async (title: string) =>
  (await ctx.deps.db.select({ id: recipes.id }).from(recipes).where(eq(recipes.title, title)))
    .length;

describe("the largest body", () => {
  it("takes a body of exactly BODY_LIMIT_BYTES and refuses one byte more with 413", async () => {
    const atLimit = validBodyOf(limit, "At the limit");
    const overLimit = validBodyOf(limit + 1, "Over the limit");
    expect(atLimit.length).toBe(limit);
    expect(overLimit.length).toBe(limit + 1);

    const accepted = await post(atLimit);
    expect(accepted.status, accepted.body.slice(0, 300)).toBe(201);
    const chunkedAccepted = await post(atLimit, { chunked: true });
    expect(chunkedAccepted.status).toBe(201);
    const refused = await post(overLimit);
    expectProblem(refused, 413, "body_too_large");
    const chunkedRefused = await post(overLimit, { chunked: true });
    expectProblem(chunkedRefused, 413, "body_too_large");
    expect(await countByTitle("At the limit")).toBe(2);
    expect(await countByTitle("Over the limit")).toBe(0);

    // A body at the limit that is not a valid recipe is a validation problem, not an error.
    const text = "x".repeat(limit - 20);
    const invalid = await post(Buffer.from(JSON.stringify({ title: text }).padEnd(limit, " ")));
    expectProblem(invalid, 400, "validation_failed");

    // A declared length far over the limit is refused before the body is read.
    const declared = await send(port, {
      method: "POST",
      path: "/api/recipes",
      headers: {
        ...author.headers,
        "content-type": "application/json",
        "content-length": 100 * limit,
      },
      chunks: [Buffer.alloc(64 * 1024, 0x20)],
    }).catch((error: Error) => error);
    if (declared instanceof Error) {
      // The server may close the socket while the client still writes; then the answer is lost.
      expect(declared.message).toMatch(/EPIPE|ECONNRESET/);
    } else {
      expectProblem(declared, 413, "body_too_large");
    }

    await recordLimits("body", {
      bodyLimitBytes: limit,
      largestRecipeJsonBytes: Buffer.byteLength(JSON.stringify(largestRecipe())),
      atLimit: { status: accepted.status, ms: round(accepted.ms) },
      atLimitChunked: { status: chunkedAccepted.status, ms: round(chunkedAccepted.ms) },
      atLimitInvalid: { status: invalid.status, ms: round(invalid.ms) },
      oneByteOver: { status: refused.status, ms: round(refused.ms) },
      oneByteOverChunked: { status: chunkedRefused.status, ms: round(chunkedRefused.ms) },
      declared100xLimit:
        declared instanceof Error
          ? { error: declared.message }
          : { status: declared.status, ms: round(declared.ms) },
    });
  });
});
