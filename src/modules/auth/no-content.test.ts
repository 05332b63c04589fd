import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomIp } from "../../../test/factories/auth.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";

type Document = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

describe("auth routes that answer 204 No Content", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("document 204, not the default 200, in the OpenAPI document", () => {
    const { paths } = ctx.app.swagger() as unknown as Document;
    const operations: [string, string][] = [
      ["/api/auth/password", "post"],
      ["/api/auth/password/reset", "post"],
      ["/api/auth/email/verify", "post"],
      ["/api/auth/sessions/{id}", "delete"],
      ["/api/auth/logout", "post"],
    ];
    for (const [path, method] of operations) {
      const statuses = Object.keys(paths[path]?.[method]?.responses ?? {});
      expect(
        statuses.filter((status) => status < "300"),
        `${method} ${path}`,
      ).toEqual(["204"]);
    }
  });

  it("POST /api/auth/logout answers 204 with no body", async () => {
    const { accessToken } = await createUser(ctx);
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/logout",
      headers: bearer(accessToken),
      payload: {},
      remoteAddress: randomIp(),
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe("");
  });
});
