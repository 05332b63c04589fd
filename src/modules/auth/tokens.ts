import { createHash, randomBytes, randomUUID, timingSafeEqual, webcrypto } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import type { Role } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ACCESS_TOKEN_TYPE = "at+jwt";
const ALGORITHMS = ["HS256"];

export type AccessClaims = { userId: string; sessionId: string; role: Role };

type JwtSettings = {
  secret: string;
  previousSecret?: string | undefined;
  issuer: string;
  audience: string;
};

export class InvalidAccessTokenError extends Error {}

// Session and user ids are UUIDs; a correctly signed token naming something else (a key that
// leaked, another service's token) must be a 401, not a query the database refuses with a 500.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An HS256 key as a CryptoKey, imported once. jose turns a Node KeyObject or raw bytes into a
 * CryptoKey again on every call (WebCrypto `importKey`), ~70 µs of each authenticated request.
 */
function hmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey(
    "raw",
    Buffer.from(secret, "utf8"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** Signs and verifies access tokens. */
export function createAccessTokens(settings: JwtSettings, clock: Clock) {
  const current = hmacKey(settings.secret);
  const previous = settings.previousSecret ? hmacKey(settings.previousSecret) : undefined;
  // An unhandled rejection is impossible in practice (HMAC accepts any bytes) but not left open.
  current.catch(() => {});
  previous?.catch(() => {});
  const options = {
    algorithms: ALGORITHMS,
    issuer: settings.issuer,
    audience: settings.audience,
    typ: ACCESS_TOKEN_TYPE,
    requiredClaims: ["sub", "sid", "role", "iat", "exp", "jti"],
    currentDate: undefined as Date | undefined,
  };

  async function verifyWith(key: typeof current, token: string) {
    const { payload } = await jwtVerify(token, await key, {
      ...options,
      currentDate: clock.now(),
    });
    return payload;
  }

  return {
    async sign(claims: AccessClaims): Promise<string> {
      const now = Math.floor(clock.now().getTime() / 1000);
      return new SignJWT({ sid: claims.sessionId, role: claims.role })
        .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })
        .setSubject(claims.userId)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ACCESS_TOKEN_TTL_SECONDS)
        .setJti(randomUUID())
        .sign(await current);
    },

    /** The claims of a valid access token; anything else throws InvalidAccessTokenError. */
    async verify(token: string): Promise<AccessClaims> {
      let payload: Awaited<ReturnType<typeof verifyWith>>;
      try {
        payload = await verifyWith(current, token);
      } catch (error) {
        const rotated = previous && error instanceof errors.JWSSignatureVerificationFailed;
        if (!rotated) throw new InvalidAccessTokenError("invalid access token", { cause: error });
        payload = await verifyWith(previous, token).catch((cause) => {
          throw new InvalidAccessTokenError("invalid access token", { cause });
        });
      }
      const { sub, sid, role } = payload;
      if (
        typeof sub !== "string" ||
        typeof sid !== "string" ||
        !UUID.test(sub) ||
        !UUID.test(sid) ||
        (role !== "user" && role !== "admin")
      ) {
        throw new InvalidAccessTokenError("malformed claims");
      }
      return { userId: sub, sessionId: sid, role };
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;

/** 256 random bits, URL-safe. */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Compares two token hashes without leaking how much of them matched. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}
