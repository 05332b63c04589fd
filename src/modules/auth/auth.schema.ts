import { z } from "zod";
import { pageSchema } from "../../lib/pagination.ts";
import { NameSchema, UserSchema } from "../users/users.schema.ts";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordLength } from "./password-policy.ts";

/** Trimmed and lower-cased before anything else sees it. */
export const EmailSchema = z.string().trim().toLowerCase().pipe(z.email().max(254));

// A password being checked (login, the current password): any length an old policy allowed; the
// bound only keeps absurd inputs away from the hasher.
const PasswordInput = z.string().min(1).max(1024);

/**
 * A password being set. The length rule is checked here, counting code points as JSON Schema's
 * minLength/maxLength do, so it is reported with every other field problem; the rules that need
 * the list or the account (not common, not the email) are checked by the service.
 */
const NewPasswordInput = z
  .string()
  .refine((password) => passwordLength(password) >= PASSWORD_MIN_LENGTH, {
    message: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  .refine((password) => passwordLength(password) <= PASSWORD_MAX_LENGTH, {
    message: `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  })
  .meta({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description:
      `${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters (Unicode code points), any ` +
      "characters. The server also refuses one of the most common passwords (checked as typed " +
      "and lower-cased) and the account's email: 400 validation_failed on this field.",
  });

export const RegisterBody = z
  .object({ email: EmailSchema, password: NewPasswordInput, name: NameSchema })
  .meta({
    id: "Register",
    description: "A new account; every field problem is reported at once",
    example: { email: "ada@example.com", password: "a long passphrase of mine", name: "Ada" },
  });
export const DeviceTokenSchema = z
  .string()
  .min(1)
  .max(512)
  .describe(
    "Proof that this client signed in to this account before: keep it and send it with the next " +
      "login, which is then limited per device and not blocked by failures from elsewhere",
  );
export const LoginBody = z
  .object({
    email: EmailSchema,
    password: PasswordInput,
    deviceToken: DeviceTokenSchema.optional(),
  })
  .meta({
    id: "Login",
    description: "Credentials, and the device token of an earlier login on this client if any",
    example: { email: "ada@example.com", password: "a long passphrase of mine" },
  });
const RefreshToken = z.string().min(1).max(512).describe("The `refreshToken` of the last pair");
export const RefreshBody = z.object({ refreshToken: RefreshToken }).meta({
  id: "Refresh",
  description: "The refresh token to spend; it works once",
  example: { refreshToken: "a3f1c9…" },
});
export const LogoutBody = z
  .object({ refreshToken: RefreshToken.optional() })
  .nullish()
  .meta({
    id: "Logout",
    description: "Optional: the session's refresh token, so it is spent as well",
    example: { refreshToken: "a3f1c9…" },
  });
export const ChangePasswordBody = z
  .object({ currentPassword: PasswordInput, newPassword: NewPasswordInput })
  .meta({
    id: "ChangePassword",
    description: "The password you have and the one you want",
    example: {
      currentPassword: "a long passphrase of mine",
      newPassword: "another long passphrase of mine",
    },
  });
export const ForgotPasswordBody = z.object({ email: EmailSchema }).meta({
  id: "ForgotPassword",
  description: "Where to mail a reset link, if an account has this email",
  example: { email: "ada@example.com" },
});
export const ChangeEmailBody = z.object({ newEmail: EmailSchema, password: PasswordInput }).meta({
  id: "ChangeEmail",
  description: "The address you want, and your password",
  example: { newEmail: "ada@example.org", password: "a long passphrase of mine" },
});
const LinkToken = z.string().min(1).max(512).describe("The `token` of the link in the mail");
export const ResetPasswordBody = z
  .object({ token: LinkToken, newPassword: NewPasswordInput })
  .meta({
    id: "ResetPassword",
    description: "The reset link's token and a new password",
    example: { token: "Jx8Q2…", newPassword: "another long passphrase of mine" },
  });
export const TokenBody = z.object({ token: LinkToken }).meta({
  id: "EmailToken",
  description: "The token of the link in the mail",
  example: { token: "Jx8Q2…" },
});
export const SessionParams = z.object({ id: z.uuid() });

export const TokenPairSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().describe("Seconds until the access token expires"),
  })
  .meta({ id: "TokenPair" });
export type TokenPair = z.infer<typeof TokenPairSchema>;

export const AuthResponseSchema = TokenPairSchema.extend({
  user: UserSchema,
  deviceToken: DeviceTokenSchema,
}).meta({ id: "AuthResponse", description: "A new session: its tokens and the user" });
export type AuthResponse = z.infer<typeof AuthResponseSchema>;

export const AcceptedSchema = z.object({ status: z.literal("accepted") }).meta({ id: "Accepted" });

export const SessionSchema = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: "Session" });
export type SessionView = z.infer<typeof SessionSchema>;

export const SessionsEndedSchema = z
  .object({
    sessionsEnded: z.number().int().describe("How many sessions this call ended (0 when none)"),
  })
  .meta({ id: "SessionsEnded", description: "Your other sessions are over; this one goes on" });

export const SessionsPageSchema = pageSchema(SessionSchema);
