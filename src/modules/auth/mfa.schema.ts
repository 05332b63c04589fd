import { z } from "zod";

const Code = z
  .string()
  .trim()
  .regex(/^[0-9]{6}$/, "must be the 6 digits the app shows")
  .describe("The 6-digit code your authenticator app shows now");
const RecoveryCode = z
  .string()
  .min(1)
  .max(64)
  .describe("One of your recovery codes (any case, dashes optional); each works once");

/** A code of the app or a recovery code: one of the two. */
const proofFields = { code: Code.optional(), recoveryCode: RecoveryCode.optional() };
const oneProof = (value: { code?: string | undefined; recoveryCode?: string | undefined }) =>
  (value.code === undefined) !== (value.recoveryCode === undefined);
export type SecondFactorProof = { code?: string | undefined; recoveryCode?: string | undefined };

export const MfaLoginBody = z
  .object({
    mfaToken: z
      .string()
      .min(1)
      .max(512)
      .describe("The `mfaToken` the password step answered; it works once"),
    ...proofFields,
  })
  .refine(oneProof, { message: "give either code or recoveryCode", path: ["code"] })
  .meta({
    id: "MfaLogin",
    description: "The second step of a sign-in: the challenge, and a code or a recovery code",
    example: { mfaToken: "q3J7w…", code: "492039" },
  });

export const ReauthenticateBody = z
  .object({ password: z.string().min(1).max(1024), ...proofFields })
  .refine((value) => value.code === undefined || value.recoveryCode === undefined, {
    message: "give code or recoveryCode, not both",
    path: ["code"],
  })
  .meta({
    id: "Reauthenticate",
    description:
      "Your password, and a code (or a recovery code) when two-step sign-in is on for your account",
    example: { password: "a long passphrase of mine", code: "492039" },
  });

export const ConfirmTotpBody = z.object({ code: Code }).meta({
  id: "ConfirmTotp",
  description: "A first code from the app, proving it holds the secret",
  example: { code: "492039" },
});

export const MfaChallengeSchema = z
  .object({
    status: z.literal("mfa_required"),
    mfaToken: z.string().describe("Send it with a code to POST /api/auth/login/mfa"),
    methods: z.array(z.enum(["totp", "recovery_code"])).describe("What the second step accepts"),
    expiresIn: z.number().int().describe("Seconds the second step may wait"),
  })
  .meta({
    id: "MfaChallenge",
    description: "The password was right; two-step sign-in is on, so a code must follow",
  });
export type MfaChallengeResponse = z.infer<typeof MfaChallengeSchema>;

export const TotpEnrolmentSchema = z
  .object({
    secret: z.string().describe("Base32, for typing into the app"),
    uri: z.string().describe("The `otpauth://` URI: show it as a QR code"),
    algorithm: z.literal("SHA1"),
    digits: z.literal(6),
    period: z.literal(30),
  })
  .meta({ id: "TotpEnrolment", description: "A new app secret, waiting for its first code" });
export type TotpEnrolment = z.infer<typeof TotpEnrolmentSchema>;

export const RecoveryCodesSchema = z
  .object({
    recoveryCodes: z
      .array(z.string())
      .describe("Shown this once: each signs in once when the app is lost"),
  })
  .meta({ id: "RecoveryCodes" });
export type RecoveryCodes = z.infer<typeof RecoveryCodesSchema>;

export const MfaStatusSchema = z
  .object({
    totp: z
      .enum(["off", "pending", "on"])
      .describe("`pending`: enrolment started, waiting for a first code"),
    enabledAt: z.iso.datetime().nullable(),
    recoveryCodesLeft: z.number().int(),
  })
  .meta({ id: "MfaStatus", description: "Your second factors" });
export type MfaStatus = z.infer<typeof MfaStatusSchema>;

export const ReauthenticatedSchema = z
  .object({
    authenticatedAt: z.iso.datetime(),
    freshUntil: z.iso
      .datetime()
      .describe("Until when changes that need a fresh sign-in are allowed in this session"),
  })
  .meta({ id: "Reauthenticated" });
export type Reauthenticated = z.infer<typeof ReauthenticatedSchema>;
