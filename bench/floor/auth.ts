import { createHash, createHmac, hkdfSync, randomBytes, randomUUID, webcrypto } from "node:crypto";
import { verify } from "@node-rs/argon2";
import { jwtVerify, SignJWT } from "jose";
import type postgres from "postgres";
import type { Queries, UserRow } from "./queries.ts";

/** The same access-token rules as Stratum: HS256, issuer, audience, typ, required claims. */
const ACCESS_TTL_S = 15 * 60;
const SLIDING_MS = 7 * 24 * 60 * 60 * 1000;
const ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export type Actor = { userId: string; role: string; sessionId: string };
export class Unauthorized extends Error {}

export function createAuth(env: NodeJS.ProcessEnv, queries: Queries, sql: postgres.Sql) {
  // Imported once as a CryptoKey, as Stratum does (jose re-imports anything else per call).
  const key = webcrypto.subtle.importKey(
    "raw",
    Buffer.from(env.JWT_SECRET ?? "", "utf8"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  const issuer = env.JWT_ISSUER ?? "stratum";
  const audience = env.JWT_AUDIENCE ?? "stratum-api";
  const options = {
    algorithms: ["HS256"],
    issuer,
    audience,
    typ: "at+jwt",
    requiredClaims: ["sub", "sid", "role", "iat", "exp", "jti"],
  };
  let dummyHash: string | undefined;
  // Device tokens as Stratum issues them at login: an HMAC over the account and its password.
  const deviceKey = Buffer.from(
    hkdfSync("sha256", env.JWT_SECRET ?? "", "", "stratum device token v1", 32),
  );
  function deviceToken(user: UserRow, now: Date): string {
    const issuedAt = String(Math.floor(now.getTime() / 1000));
    const nonce = randomBytes(16).toString("base64url");
    const password = createHash("sha256").update(user.password_hash).digest("base64url");
    const tag = createHmac("sha256", deviceKey)
      .update(`dt1.${user.id}.${issuedAt}.${nonce}.${password}`)
      .digest("base64url");
    return `dt1.${issuedAt}.${nonce}.${tag}`;
  }

  /** Null without a header; the verified caller with one; Unauthorized for anything else. */
  async function authenticate(header: string | undefined): Promise<Actor | null> {
    if (header === undefined) return null;
    const token = BEARER.exec(header)?.[1];
    if (!token) throw new Unauthorized();
    const now = new Date();
    const { payload } = await jwtVerify(token, await key, { ...options, currentDate: now }).catch(
      () => {
        throw new Unauthorized();
      },
    );
    const session = await queries.activeSession(String(payload.sid), now);
    if (!session || session.user_id !== payload.sub || session.disabled_at)
      throw new Unauthorized();
    return { userId: session.user_id, role: session.role, sessionId: session.id };
  }

  async function login(email: string, password: string, ip: string, userAgent: string | null) {
    const user = await queries.userByEmail(email.trim().toLowerCase());
    dummyHash ??= env.BENCH_DUMMY_HASH;
    const stored = user?.password_hash ?? dummyHash ?? "";
    const valid = await verify(stored, password).catch(() => false);
    if (!user || !valid || user.disabled_at) return undefined;
    const now = new Date();
    const refreshToken = randomBytes(32).toString("base64url");
    const sessionId = await sql.begin((tx) =>
      queries.startSession(tx, {
        userId: user.id,
        now,
        expiresAt: new Date(now.getTime() + SLIDING_MS),
        absoluteExpiresAt: new Date(now.getTime() + ABSOLUTE_MS),
        userAgent: userAgent?.slice(0, 512) ?? null,
        ip,
        tokenHash: createHash("sha256").update(refreshToken, "utf8").digest("hex"),
      }),
    );
    const accessToken = await sign(user, sessionId, now);
    return {
      accessToken,
      refreshToken,
      tokenType: "Bearer",
      expiresIn: ACCESS_TTL_S,
      user: toUser(user),
      deviceToken: deviceToken(user, now),
    };
  }

  async function sign(user: UserRow, sessionId: string, now: Date): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({ sid: sessionId, role: user.role })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setSubject(user.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ACCESS_TTL_S)
      .setJti(randomUUID())
      .sign(await key);
  }

  return { authenticate, login };
}

function toUser(row: UserRow) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    emailVerified: row.email_verified_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}
