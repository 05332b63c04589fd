import { z } from "zod";
import { AuthenticationResponseSchema } from "./passkeys.schema.ts";

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

const PasskeyProof = z
  .object({
    challengeId: z.uuid().optional(),
    response: AuthenticationResponseSchema,
  })
  .describe(
    "An assertion of one of your passkeys, answering the options of " +
      "POST /api/auth/passkeys/authentication/options",
  );

/** A code of the app, a recovery code or a passkey: one of the three. */
const proofFields = {
  code: Code.optional(),
  recoveryCode: RecoveryCode.optional(),
  passkey: PasskeyProof.optional(),
};
export type SecondFactorProof = {
  code?: string | undefined;
  recoveryCode?: string | undefined;
  passkey?: z.output<typeof PasskeyProof> | undefined;
};
const proofsGiven = (value: SecondFactorProof) =>
  [value.code, value.recoveryCode, value.passkey].filter((proof) => proof !== undefined).length;

export const MfaLoginBody = z
  .object({
    mfaToken: z
      .string()
      .min(1)
      .max(512)
      .describe("The `mfaToken` the password step answered; it works once"),
    ...proofFields,
  })
  .refine((value) => proofsGiven(value) === 1, {
    message: "give one of code, recoveryCode and passkey",
    path: ["code"],
  })
  .meta({
    id: "MfaLogin",
    description:
      "The second step of a sign-in: the challenge, and a code, a recovery code or a passkey",
    example: { mfaToken: "q3J7w…", code: "492039" },
  });

export const ReauthenticateBody = z
  .object({
    password: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe("Required when the account has a password"),
    ...proofFields,
  })
  .refine((value) => proofsGiven(value) <= 1, {
    message: "give at most one of code, recoveryCode and passkey",
    path: ["code"],
  })
  .meta({
    id: "Reauthenticate",
    description:
      "Your password, and a code (a recovery code, a passkey) when two-step sign-in is on. An " +
      "account without a password gives a passkey, or its code when it has an app.",
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
    methods: z
      .array(z.enum(["totp", "recovery_code", "passkey"]))
      .describe("What the second step accepts (`passkey` when the account has one)"),
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
