import { describe, expect, it } from "vitest";
import { totpCode } from "../../../test/factories/totp.ts";
import {
  createSecretBox,
  generateRecoveryCode,
  generateTotpSecret,
  normaliseRecoveryCode,
  totpStep,
} from "./totp.ts";

// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890", in base32.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("TOTP codes", () => {
  it.each([
    [59, "287082"],
    [1111111109, "081804"],
    [1234567890, "005924"],
    [2000000000, "279037"],
  ])("accepts RFC 6238's code at T=%i (the last 6 of its 8 digits)", (seconds, code) => {
    const at = new Date(seconds * 1000);
    expect(totpCode(RFC_SECRET, at)).toBe(code);
    expect(totpStep(RFC_SECRET, code, at)).toBe(Math.floor(seconds / 30));
  });

  it("accepts the steps next to the current one and reports which", () => {
    const secret = generateTotpSecret();
    const at = new Date("2026-12-04T10:00:10Z");
    const step = Math.floor(at.getTime() / 30_000);
    expect(totpStep(secret, totpCode(secret, at, -1), at)).toBe(step - 1);
    expect(totpStep(secret, totpCode(secret, at, 1), at)).toBe(step + 1);
    expect(totpStep(secret, totpCode(secret, at, 2), at)).toBeUndefined();
    expect(totpStep(secret, totpCode(secret, at, -2), at)).toBeUndefined();
    expect(totpStep(secret, "12345", at)).toBeUndefined();
  });
});

describe("the secret box", () => {
  const box = createSecretBox({ secret: "a-jwt-secret-of-at-least-32-characters" });

  it("opens what it sealed, for the same account only", () => {
    const sealed = box.seal("JBSWY3DPEHPK3PXP", "user-1");
    expect(sealed).toMatch(/^ts1\./);
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(box.open(sealed, "user-1")).toEqual({ plain: "JBSWY3DPEHPK3PXP", current: true });
    expect(box.open(sealed, "user-2")).toBeUndefined();
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}A`;
    expect(box.open(tampered, "user-1")).toBeUndefined();
    expect(box.open("ts0.x.y.z", "user-1")).toBeUndefined();
  });

  it("opens a secret sealed with the previous JWT secret after a rotation, and says so", () => {
    const sealed = box.seal("JBSWY3DPEHPK3PXP", "user-1");
    const rotated = createSecretBox({
      secret: "the-next-jwt-secret-of-at-least-32-chars",
      previousSecret: "a-jwt-secret-of-at-least-32-characters",
    });
    expect(rotated.open(sealed, "user-1")).toEqual({ plain: "JBSWY3DPEHPK3PXP", current: false });
    const unrelated = createSecretBox({ secret: "the-next-jwt-secret-of-at-least-32-chars" });
    expect(unrelated.open(sealed, "user-1")).toBeUndefined();
  });
});

describe("recovery codes", () => {
  it("are 24 base32 characters in groups of six, read back in any case and spacing", () => {
    const code = generateRecoveryCode();
    expect(code).toMatch(/^[a-z2-7]{6}(-[a-z2-7]{6}){3}$/);
    expect(normaliseRecoveryCode(` ${code.toUpperCase().replaceAll("-", " ")} `)).toBe(
      code.replaceAll("-", ""),
    );
  });
});
