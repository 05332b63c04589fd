import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_ALGORITHM = "SHA1";
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** A code of the step before or after the current one is accepted too (clock drift). */
const WINDOW = 1;
const SECRET_BYTES = 20;
const VERSION = "ts1";

const RECOVERY_CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
export const RECOVERY_CODE_COUNT = 10;

// A key of its own, derived from the JWT secret as device tokens' is: rotating JWT_SECRET (with
// the old one in JWT_SECRET_PREVIOUS) keeps every secret readable; one read with the previous key
// is sealed again with the current one the next time it is used.
const deriveKey = (secret: string) =>
  Buffer.from(hkdfSync("sha256", secret, "", "stratum totp secret v1", 32));

function totpOf(secret: string, label = "", issuer = ""): TOTP {
  return new TOTP({
    issuer,
    label,
    issuerInLabel: issuer !== "",
    secret: Secret.fromBase32(secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** A new secret, base32 as apps take it typed in. */
export const generateTotpSecret = (): string => new Secret({ size: SECRET_BYTES }).base32;

/** The `otpauth://` URI an app reads from a QR code. */
export const totpUri = (secret: string, account: string, issuer: string): string =>
  totpOf(secret, account, issuer).toString();

/**
 * The time step of a valid code for this secret at this time, or undefined. The caller records
 * the step so the same code (or an older one) is refused the next time.
 */
export function totpStep(secret: string, code: string, now: Date): number | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const timestamp = now.getTime();
  const delta = totpOf(secret).validate({ token: code, timestamp, window: WINDOW });
  if (delta === null) return undefined;
  return Math.floor(timestamp / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/**
 * Sealing of TOTP secrets at rest (AES-256-GCM): a copy of the database alone does not give
 * anyone a working second factor. `ts1.<iv>.<ciphertext>.<tag>`, bound to the account's id.
 */
export function createSecretBox(settings: { secret: string; previousSecret?: string | undefined }) {
  const keys = [settings.secret, settings.previousSecret]
    .filter((secret): secret is string => Boolean(secret))
    .map(deriveKey);
  const [current] = keys as [Buffer];

  return {
    seal(plain: string, userId: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current, iv).setAAD(Buffer.from(userId));
      const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      const parts = [iv, sealed, cipher.getAuthTag()].map((part) => part.toString("base64url"));
      return [VERSION, ...parts].join(".");
    },

    /** The secret, and whether it was sealed with the current key; undefined if no key opens it. */
    open(sealed: string, userId: string): { plain: string; current: boolean } | undefined {
      const [version, iv = "", data = "", tag = ""] = sealed.split(".");
      if (version !== VERSION) return undefined;
      for (const [index, key] of keys.entries()) {
        try {
          const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"))
            .setAAD(Buffer.from(userId))
            .setAuthTag(Buffer.from(tag, "base64url"));
          const plain = Buffer.concat([
            decipher.update(Buffer.from(data, "base64url")),
            decipher.final(),
          ]).toString("utf8");
          return { plain, current: index === 0 };
        } catch {
          // Not this key: try the next.
        }
      }
      return undefined;
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;

/**
 * A recovery code: 24 base32 characters (120 bits, so a plain SHA-256 digest is enough to keep
 * it: ASVS 5.0 6.5.2), shown in four groups of six.
 */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(24);
  const chars = [...bytes].map((byte) => RECOVERY_CODE_ALPHABET[byte % 32]).join("");
  return chars.match(/.{6}/g)?.join("-") ?? chars;
}

/** A recovery code as typed: any case, with or without its dashes and spaces. */
export const normaliseRecoveryCode = (code: string): string =>
  code.toLowerCase().replace(/[\s-]/g, "");
