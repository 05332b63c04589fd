import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../lib/clock.ts";

/** Longer than a session's absolute lifetime, so a device that signs in monthly stays trusted. */
export const DEVICE_TOKEN_TTL_SECONDS = 90 * 24 * 60 * 60;
const VERSION = "dt1";
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const ISSUED_AT = /^[0-9]{1,12}$/;
const CLOCK_SKEW_SECONDS = 60;

/**
 * What a device token is bound to: the account, and its password as it is now (none, for an
 * account that signs in with an identity provider only: setting one revokes those tokens too).
 */
export type DeviceAccount = { id: string; passwordHash: string | null };

// A key of its own, derived from the JWT secret: a device token and an access token can never
// stand in for each other, and rotating JWT_SECRET rotates both.
const deriveKey = (secret: string) =>
  Buffer.from(hkdfSync("sha256", secret, "", "stratum device token v1", 32));

function mac(key: Buffer, account: DeviceAccount, issuedAt: string, nonce: string): Buffer {
  const password = createHash("sha256")
    .update(account.passwordHash ?? "")
    .digest("base64url");
  return createHmac("sha256", key)
    .update(`${VERSION}.${account.id}.${issuedAt}.${nonce}.${password}`)
    .digest();
}

/**
 * Device tokens (OWASP "device cookies"): proof that this client signed in to this account
 * before. `dt1.<issuedAt>.<nonce>.<hmac>`, the HMAC over the account id and a digest of the
 * current password hash, so a password change or reset, or the account's deletion, revokes
 * every one of them with nothing stored.
 */
export function createDeviceTokens(
  settings: { secret: string; previousSecret?: string | undefined },
  clock: Clock,
) {
  const keys = [settings.secret, settings.previousSecret]
    .filter((secret): secret is string => Boolean(secret))
    .map(deriveKey);
  const [current] = keys as [Buffer];
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

  return {
    issue(account: DeviceAccount): string {
      const issuedAt = String(nowSeconds());
      const nonce = randomBytes(16).toString("base64url");
      const tag = mac(current, account, issuedAt, nonce).toString("base64url");
      return `${VERSION}.${issuedAt}.${nonce}.${tag}`;
    },

    /** The device's id when the token was issued to this account and is still good. */
    verify(token: string, account: DeviceAccount): string | undefined {
      const [version, issuedAt = "", nonce = "", tag = "", ...rest] = token.split(".");
      if (version !== VERSION || rest.length > 0) return undefined;
      if (!ISSUED_AT.test(issuedAt) || !NONCE.test(nonce)) return undefined;
      const age = nowSeconds() - Number(issuedAt);
      if (age < -CLOCK_SKEW_SECONDS || age > DEVICE_TOKEN_TTL_SECONDS) return undefined;
      const given = Buffer.from(tag, "base64url");
      const valid = keys.some((key) => {
        const expected = mac(key, account, issuedAt, nonce);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      return valid ? nonce : undefined;
    },
  };
}

export type DeviceTokens = ReturnType<typeof createDeviceTokens>;
