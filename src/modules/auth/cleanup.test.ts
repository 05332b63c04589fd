import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { manualClock } from "../../../test/factories/auth.ts";
import { enableTotp } from "../../../test/factories/totp.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import { drainQueue } from "../../../test/helpers/queue.ts";
import { refreshTokens, sessions, userTokens } from "./auth.table.ts";
import { mfaChallenges, mfaTotp } from "./mfa.table.ts";

const DAY = 24 * 60 * 60 * 1000;

describe("hourly cleanup of sessions and tokens", () => {
  let ctx: TestContext;
  const clock = manualClock();
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  beforeEach(() => resetDatabase(ctx.deps.database));
  afterAll(() => ctx.close());

  it("purges expired sessions, their refresh tokens and expired mail tokens; keeps live ones", async () => {
    const start = new Date();
    clock.set(start);
    const old = await createUser(ctx);
    await ctx.deps.recovery.forgotPassword(old.user.email);
    // The link job issues the token when it runs.
    await drainQueue(ctx.deps);
    clock.set(new Date(start.getTime() + 8 * DAY));
    const fresh = await createUser(ctx);

    await ctx.deps.queue.send("maintenance.cleanup", {});
    await drainQueue(ctx.deps);

    const left = await ctx.deps.db.select().from(sessions);
    expect(left.map((row) => row.userId)).toEqual([fresh.user.id]);
    const tokens = await ctx.deps.db.select().from(refreshTokens);
    expect(tokens.map((row) => row.sessionId)).toEqual([left[0]?.id]);
    expect(
      await ctx.deps.db.select().from(userTokens).where(eq(userTokens.userId, old.user.id)),
    ).toEqual([]);
  });

  it("purges second steps past their 5 minutes and enrolments unconfirmed for a day", async () => {
    const start = new Date();
    clock.set(start);
    const enrolled = await createUser(ctx);
    await enableTotp(ctx, enrolled.accessToken);
    const stale = await createUser(ctx);
    const started = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/mfa/totp",
      headers: bearer(stale.accessToken),
    });
    expect(started.statusCode).toBe(201);
    await ctx.deps.mfa.challenge(enrolled.user.id, { method: "password" });
    clock.set(new Date(start.getTime() + DAY + 60_000));
    const recent = await createUser(ctx);
    await ctx.app.inject({
      method: "POST",
      url: "/api/auth/mfa/totp",
      headers: bearer(recent.accessToken),
    });
    const open = await ctx.deps.mfa.challenge(enrolled.user.id, { method: "password" });

    await ctx.deps.queue.send("maintenance.cleanup", {});
    await drainQueue(ctx.deps);

    const apps = await ctx.deps.db.select().from(mfaTotp);
    expect(apps.map((row) => [row.userId, row.confirmedAt !== null]).sort()).toEqual(
      [
        [enrolled.user.id, true],
        [recent.user.id, false],
      ].sort(),
    );
    const challenges = await ctx.deps.db.select().from(mfaChallenges);
    expect(challenges).toHaveLength(1);
    expect(await ctx.deps.mfa.openChallenge(open.mfaToken)).toBeDefined();
  });
});
