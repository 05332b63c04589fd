import { z } from "zod";
import { pageSchema } from "../../lib/pagination.ts";
import { NameSchema, UserSchema } from "../users/users.schema.ts";

/** Trimmed and lower-cased before anything else sees it. */
export const EmailSchema = z.string().trim().toLowerCase().pipe(z.email().max(254));

// The policy (8–128 characters, not common, not the email) is checked in the service, counting
// code points; this bound only keeps absurd inputs away from the hasher.
const PasswordInput = z.string().min(1).max(1024);

export const RegisterBody = z.object({
  email: EmailSchema,
  password: PasswordInput,
  name: NameSchema,
});
export const DeviceTokenSchema = z
  .string()
  .min(1)
  .max(512)
  .describe(
    "Proof that this client signed in to this account before: keep it and send it with the next " +
      "login, which is then limited per device and not blocked by failures from elsewhere",
  );
export const LoginBody = z.object({
  email: EmailSchema,
  password: PasswordInput,
  deviceToken: DeviceTokenSchema.optional(),
});
export const RefreshBody = z.object({ refreshToken: z.string().min(1).max(512) });
export const LogoutBody = z
  .object({ refreshToken: z.string().min(1).max(512).optional() })
  .nullish();
export const ChangePasswordBody = z.object({
  currentPassword: PasswordInput,
  newPassword: PasswordInput,
});
export const ForgotPasswordBody = z.object({ email: EmailSchema });
export const ResetPasswordBody = z.object({
  token: z.string().min(1).max(512),
  newPassword: PasswordInput,
});
export const TokenBody = z.object({ token: z.string().min(1).max(512) });
export const SessionParams = z.object({ id: z.uuid() });

export const TokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number().int().describe("Seconds until the access token expires"),
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

export const AuthResponseSchema = TokenPairSchema.extend({
  user: UserSchema,
  deviceToken: DeviceTokenSchema,
});
export type AuthResponse = z.infer<typeof AuthResponseSchema>;

export const AcceptedSchema = z.object({ status: z.literal("accepted") });

export const SessionSchema = z.object({
  id: z.uuid(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean(),
});
export type SessionView = z.infer<typeof SessionSchema>;

export const SessionsPageSchema = pageSchema(SessionSchema);
