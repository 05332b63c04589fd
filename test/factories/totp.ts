import { createHmac } from "node:crypto";
import type { TestContext } from "../helpers/app.ts";
import { bearer } from "./users.ts";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of text.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | BASE32.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/**
 * The code an authenticator app shows (RFC 6238: HMAC-SHA-1, 6 digits, 30 s), written here
 * from the RFC rather than with the library the server uses, so the two check each other.
 */
export function totpCode(secretBase32: string, at: Date, stepOffset = 0): string {
  const step = Math.floor(at.getTime() / 1000 / 30) + stepOffset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", base32Decode(secretBase32)).update(counter).digest();
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

/**
 * Turns two-step sign-in on for a freshly signed-in user through the API, as a client would:
 * the secret, and the recovery codes the confirmation answered.
 */
export async function enableTotp(
  ctx: Pick<TestContext, "app" | "deps">,
  accessToken: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const headers = bearer(accessToken);
  const started = await ctx.app.inject({ method: "POST", url: "/api/auth/mfa/totp", headers });
  if (started.statusCode !== 201) throw new Error(`enrolment: ${started.body}`);
  const { secret } = started.json() as { secret: string };
  const code = totpCode(secret, ctx.deps.clock.now());
  const confirmed = await ctx.app.inject({
    method: "POST",
    url: "/api/auth/mfa/totp/confirm",
    headers,
    payload: { code },
  });
  if (confirmed.statusCode !== 200) throw new Error(`confirmation: ${confirmed.body}`);
  return { secret, recoveryCodes: (confirmed.json() as { recoveryCodes: string[] }).recoveryCodes };
}
