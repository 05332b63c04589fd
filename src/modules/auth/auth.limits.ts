import type { FastifyInstance, FastifyRequest } from "fastify";
import { createCounter, createRateLimiter } from "../../lib/rate-limit.ts";
import { normaliseEmail } from "../users/users.schema.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The email of a body before validation, so malformed attempts count too. */
function bodyEmail(request: FastifyRequest): string | undefined {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" ? normaliseEmail(email).slice(0, 254) : undefined;
}

const ip = (request: FastifyRequest) => request.ip;

type Lookup = { emailOfResetToken(token: string): Promise<string | undefined> };

/** Every auth rate limit; run as preValidation hooks so the body is parsed but not yet judged. */
export function createAuthLimits(app: FastifyInstance, lookup: Lookup) {
  return {
    login: createRateLimiter(app, [
      { name: "login-ip", max: 10, windowMs: MINUTE, key: ip },
      {
        name: "login-ip-email",
        max: 5,
        windowMs: MINUTE,
        key: (request) => `${request.ip}|${bodyEmail(request) ?? ""}`,
      },
    ]),
    /** Failed logins per account from anywhere; read before the attempt, counted after a failure. */
    loginFailures: createCounter(app, { name: "login-failures", max: 100, windowMs: HOUR }),
    register: createRateLimiter(app, [{ name: "register-ip", max: 5, windowMs: MINUTE, key: ip }]),
    refresh: createRateLimiter(app, [{ name: "refresh-ip", max: 30, windowMs: MINUTE, key: ip }]),
    /** Not in the contract's list: keeps a signed-in caller from mail-bombing their own inbox. */
    resend: createRateLimiter(app, [
      { name: "resend-user", max: 5, windowMs: HOUR, key: (request) => request.actor?.userId },
    ]),
    forgot: createRateLimiter(app, [
      { name: "forgot-ip", max: 5, windowMs: MINUTE, key: ip },
      { name: "forgot-email", max: 3, windowMs: HOUR, key: bodyEmail },
    ]),
    reset: createRateLimiter(app, [
      { name: "reset-ip", max: 5, windowMs: MINUTE, key: ip },
      {
        name: "reset-email",
        max: 3,
        windowMs: HOUR,
        key: async (request) => {
          const token = (request.body as { token?: unknown } | undefined)?.token;
          return typeof token === "string" && token.length <= 512
            ? lookup.emailOfResetToken(token)
            : undefined;
        },
      },
    ]),
  };
}

export type AuthLimits = ReturnType<typeof createAuthLimits>;
export { bodyEmail };
