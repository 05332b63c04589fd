import { describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../lib/passwords.ts";
import { commonPasswordCount, passwordProblem } from "./password-policy.ts";

describe("password policy", () => {
  it("ships at least the 10,000 most common passwords", () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
    for (const common of ["123456", "password", "qwerty123", "iloveyou", "1q2w3e4r"]) {
      expect(passwordProblem(common)).toBeDefined();
    }
  });

  it("counts code points: 8 emoji pass, 7 do not; 128 pass, 129 do not", () => {
    expect(passwordProblem("🐧".repeat(8))).toBeUndefined();
    expect(passwordProblem("🐧".repeat(7))).toMatch(/at least 8/);
    expect(passwordProblem("k3".repeat(64))).toBeUndefined();
    expect(passwordProblem(`${"k3".repeat(64)}x`)).toMatch(/at most 128/);
  });

  it("has no composition rules and refuses the email, in any case", () => {
    expect(passwordProblem("correcthorsebatterystaple")).toBeUndefined();
    expect(passwordProblem("Ann@Example.com", "ann@example.com")).toMatch(/email/);
  });
});

describe("password hasher", () => {
  it("hashes with Argon2id m=19456 t=2 p=1 and flags other parameters for rehash", async () => {
    const hasher = createPasswordHasher();
    const hash = await hasher.hash("correct horse");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, "correct horse")).toBe(true);
    expect(await hasher.verify(hash, "Correct horse")).toBe(false);
    expect(await hasher.verify("not a hash", "x")).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
    const old = await createPasswordHasher({ memoryCost: 4096, timeCost: 3, parallelism: 1 }).hash(
      "x",
    );
    expect(hasher.needsRehash(old)).toBe(true);
  });
});
