import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../../lib/errors.ts";
import { createCounter, createRateLimiter } from "../../lib/rate-limit.ts";
import { normaliseEmail } from "../users/users.schema.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The bucket name for an email: a digest, so counters (in Redis for up to an hour) never hold an
 * address in clear.
 */
export const emailKey = (email: string): string =>
  createHash("sha256").update(normaliseEmail(email)).digest("base64url").slice(0, 22);

/** The email of a body before validation, so malformed attempts count too; as its key. */
function bodyEmail(request: FastifyRequest): string | undefined {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" ? emailKey(email.slice(0, 254)) : undefined;
}

const ip = (request: FastifyRequest) => request.ip;
const caller = (request: FastifyRequest) => request.actor?.userId;

type Lookup = {
  emailOfResetToken(token: string): Promise<string | undefined>;
  emailOfUser(userId: string): Promise<string | undefined>;
};

type Counter = ReturnType<typeof createCounter>;
/** Whose sign-in: the account's email, and the trusted device it came from if any. */
type SignInTarget = { email: string; device: string | undefined };

const failedWith = (code: string) => (error: unknown) =>
  error instanceof AppError && error.code === code;
const badCredentials = failedWith("invalid_credentials");
const badPassword = failedWith("invalid_password");
const badCode = failedWith("invalid_mfa_code");
const badPasswordOrCode = (error: unknown) => badPassword(error) || badCode(error);
const badPasskey = failedWith("invalid_passkey");

/** The credential id of a passkey login's body before validation, as its key. */
function bodyCredential(request: FastifyRequest): string | undefined {
  const response = (request.body as { response?: { id?: unknown } } | undefined)?.response;
  const id = response?.id;
  return typeof id === "string" && id.length > 0
    ? createHash("sha256").update(id.slice(0, 1_024)).digest("base64url").slice(0, 22)
    : undefined;
}

/** Runs a password check on a failure budget: 429 once it is spent, one count per failure. */
async function charged<T>(
  budget: Counter,
  request: FastifyRequest,
  key: string,
  failed: (error: unknown) => boolean,
  attempt: () => Promise<T>,
): Promise<T> {
  await budget.assertOpen(request, key);
  try {
    return await attempt();
  } catch (error) {
    if (failed(error)) await budget.hit(request, key);
    throw error;
  }
}

/**
 * Every auth rate limit; run as preValidation hooks so the body is parsed but not yet judged.
 * Made once per app (src/app.ts): routes that check a password share the account budgets.
 */
export function createAuthLimits(app: FastifyInstance, lookup: Lookup) {
  /** Failed password checks per account (login, password change, deletion) from anywhere. */
  const accountFailures = createCounter(app, { name: "login-failures", max: 100, windowMs: HOUR });
  /** Failed logins per device token: a trusted device is not locked out by the account's budget. */
  const deviceFailures = createCounter(app, {
    name: "login-device-failures",
    max: 10,
    windowMs: HOUR,
  });
  /** Failed passkey logins per credential: a stolen credential id gets few tries at a clone. */
  const passkeyFailures = createCounter(app, {
    name: "passkey-login-failures",
    max: 20,
    windowMs: HOUR,
  });
  /** A sign-in step's failures: on the trusted device's budget, or else on the account's. */
  const chargeSignIn = <T>(
    request: FastifyRequest,
    target: SignInTarget,
    failed: (error: unknown) => boolean,
    attempt: () => Promise<T>,
  ): Promise<T> =>
    target.device
      ? charged(deviceFailures, request, target.device, failed, attempt)
      : charged(accountFailures, request, emailKey(target.email), failed, attempt);
  /** A limit of one rule: `max` calls per window from one IP, or by one signed-in user. */
  const perIp = (name: string, max: number, windowMs = MINUTE) =>
    createRateLimiter(app, [{ name, max, windowMs, key: ip }]);
  const perUser = (name: string, max: number, windowMs = MINUTE) =>
    createRateLimiter(app, [{ name, max, windowMs, key: caller }]);
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
    /**
     * A login, charged on failure to its device's budget when it presented a device token valid
     * for the account (OWASP's device cookies), else to the account's budget.
     */
    chargeLogin<T>(
      request: FastifyRequest,
      target: SignInTarget,
      attempt: () => Promise<T>,
    ): Promise<T> {
      return chargeSignIn(request, target, badCredentials, attempt);
    },
    /** The second step of a sign-in, per IP; each challenge also dies at its fifth wrong code. */
    mfaLogin: perIp("mfa-login-ip", 10),
    /**
     * A wrong code is charged to the budget the password step was charged to: the trusted
     * device's, or the account's. Undefined target (an unknown challenge): nothing to charge.
     */
    chargeSecondFactor<T>(
      request: FastifyRequest,
      target: SignInTarget | undefined,
      attempt: () => Promise<T>,
    ): Promise<T> {
      return target ? chargeSignIn(request, target, badCode, attempt) : attempt();
    },
    /** Login's limits for a route that checks the signed-in caller's password. */
    passwordCheck: createRateLimiter(app, [
      { name: "password-check-ip", max: 10, windowMs: MINUTE, key: ip },
      { name: "password-check-user", max: 5, windowMs: MINUTE, key: caller },
    ]),
    /** The caller's password check, on the same account budget as failed logins. */
    async chargePasswordCheck<T>(request: FastifyRequest, attempt: () => Promise<T>): Promise<T> {
      const email = request.actor ? await lookup.emailOfUser(request.actor.userId) : undefined;
      if (email === undefined) return attempt();
      return charged(accountFailures, request, emailKey(email), badPasswordOrCode, attempt);
    },
    /** A first code confirms an app: six digits are guessed in a million tries, not a few. */
    mfaConfirm: perUser("mfa-confirm-user", 5),
    /** Enrolling, turning off and new recovery codes: a handful a minute is plenty. */
    mfaChange: perUser("mfa-change-user", 10),
    /** Passkey sign-in: options (each a stored challenge) and answers, per IP. */
    passkeyOptions: perIp("passkey-options-ip", 20),
    passkeyLogin: perIp("passkey-login-ip", 10),
    /** A passkey login, charged on failure to the budget of the credential it named. */
    chargePasskeyLogin<T>(request: FastifyRequest, attempt: () => Promise<T>): Promise<T> {
      const key = bodyCredential(request);
      if (key === undefined) return attempt();
      return charged(passkeyFailures, request, key, badPasskey, attempt);
    },
    /** Adding passkeys (options and registration alike): a few in a row is plenty. */
    passkeyRegistration: perUser("passkey-register-user", 10),
    register: perIp("register-ip", 5),
    refresh: perIp("refresh-ip", 30),
    /** Not in the contract's list: keeps a signed-in caller from mail-bombing their own inbox. */
    resend: perUser("resend-user", 5, HOUR),
    /** Ending the other sessions costs a few statements; no reason to allow it in a loop. */
    endSessions: perUser("sessions-end-user", 10),
    /** Each request mails the new address: as resend, a few an hour. */
    emailChange: perUser("email-change-user", 5, HOUR),
    emailChangeLink: perIp("email-change-link-ip", 10),
    /** Each start stores a flow row and may fetch the provider's discovery document. */
    identityStart: perIp("identity-start-ip", 10),
    /** Each callback calls the provider's token endpoint. */
    identityCallback: perIp("identity-callback-ip", 10),
    identityExchange: perIp("identity-exchange-ip", 10),
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
          if (typeof token !== "string" || token.length > 512) return undefined;
          const email = await lookup.emailOfResetToken(token);
          return email === undefined ? undefined : emailKey(email);
        },
      },
    ]),
  };
}

export type AuthLimits = ReturnType<typeof createAuthLimits>;
