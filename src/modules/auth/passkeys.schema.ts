import { z } from "zod";
import { pageSchema } from "../../lib/pagination.ts";

/** Binary WebAuthn data as the browser's `toJSON()` gives it: unpadded base64url. */
const Base64Url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "is not base64url");

const Transports = z
  .array(z.enum(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]))
  .max(10);
const Attachment = z.enum(["platform", "cross-platform"]);
const ClientExtensionResults = z
  .record(z.string().max(64), z.unknown())
  .describe("The browser's `getClientExtensionResults()`; passed through, not relied on");

export const PasskeyNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .describe("Yours to tell your passkeys apart, e.g. the device or password manager");

const ChallengeId = z
  .uuid()
  .describe("The `challengeId` the options came with; the response's challenge must be its own");

/** A `PublicKeyCredential` as its `toJSON()` gives it, around the ceremony's own `response`. */
const credentialJson = <Shape extends z.ZodRawShape>(response: Shape, description: string) =>
  z
    .object({
      id: Base64Url(1_024),
      rawId: Base64Url(1_024),
      type: z.literal("public-key"),
      response: z.object(response),
      authenticatorAttachment: Attachment.optional(),
      clientExtensionResults: ClientExtensionResults,
    })
    .describe(description);

export const RegistrationResponseSchema = credentialJson(
  {
    clientDataJSON: Base64Url(4_096),
    attestationObject: Base64Url(65_536),
    authenticatorData: Base64Url(65_536).optional(),
    transports: Transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: Base64Url(4_096).optional(),
  },
  "What `navigator.credentials.create()` gave, as its `toJSON()`",
);
export type RegistrationResponse = z.output<typeof RegistrationResponseSchema>;

export const AuthenticationResponseSchema = credentialJson(
  {
    clientDataJSON: Base64Url(4_096),
    authenticatorData: Base64Url(65_536),
    signature: Base64Url(4_096),
    userHandle: Base64Url(512).optional(),
  },
  "What `navigator.credentials.get()` gave, as its `toJSON()`",
);
export type AuthenticationResponse = z.output<typeof AuthenticationResponseSchema>;

export const AddPasskeyBody = z
  .object({
    challengeId: ChallengeId.optional(),
    name: PasskeyNameSchema,
    response: RegistrationResponseSchema,
  })
  .meta({
    id: "AddPasskey",
    description: "The new credential, answering the registration options' challenge",
    example: {
      challengeId: "0b9f6f0e-3c1e-4f5a-9d7b-2a6c8e4f1d30",
      name: "Laptop",
      response: {
        id: "q1Xv0bC9",
        rawId: "q1Xv0bC9",
        type: "public-key",
        response: {
          clientDataJSON: "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
          attestationObject: "o2Nm",
        },
        clientExtensionResults: {},
      },
    },
  });

export const PasskeyLoginBody = z
  .object({ challengeId: ChallengeId.optional(), response: AuthenticationResponseSchema })
  .meta({
    id: "PasskeyLogin",
    description: "An assertion answering the authentication options' challenge",
    example: {
      challengeId: "0b9f6f0e-3c1e-4f5a-9d7b-2a6c8e4f1d30",
      response: {
        id: "q1Xv0bC9",
        rawId: "q1Xv0bC9",
        type: "public-key",
        response: {
          clientDataJSON: "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
          authenticatorData: "SZYN5YgO",
          signature: "MEUCIQ",
          userHandle: "ZjQ3YWM",
        },
        clientExtensionResults: {},
      },
    },
  });

export const RenamePasskeyBody = z.object({ name: PasskeyNameSchema }).meta({
  id: "RenamePasskey",
  description: "The passkey's new name",
  example: { name: "Phone" },
});

export const PasskeyParams = z.object({ id: z.uuid() });

export const PasskeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().describe("The last sign-in with it; null before any"),
    deviceType: z
      .enum(["singleDevice", "multiDevice"])
      .describe("`multiDevice`: a synced passkey, usable from the owner's other devices"),
    backedUp: z.boolean().describe("The authenticator says the passkey is backed up (synced)"),
    transports: z.array(z.string()),
  })
  .meta({ id: "Passkey", description: "A passkey of yours (its public key is never shown)" });
export type PasskeyView = z.infer<typeof PasskeySchema>;

export const PasskeysPageSchema = pageSchema(PasskeySchema);

const CredentialDescriptor = z.object({
  id: z.string(),
  type: z.literal("public-key"),
  transports: z.array(z.string()).optional(),
});

const CreationOptions = z
  .object({
    challenge: z.string(),
    rp: z.object({ name: z.string(), id: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal("public-key") })),
    timeout: z.number().int(),
    attestation: z.enum(["none", "direct", "enterprise", "indirect"]),
    excludeCredentials: z.array(CredentialDescriptor),
    authenticatorSelection: z.object({
      residentKey: z.enum(["discouraged", "preferred", "required"]).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: z.enum(["discouraged", "preferred", "required"]).optional(),
      authenticatorAttachment: Attachment.optional(),
    }),
    extensions: z.object({ credProps: z.boolean().optional() }).optional(),
    hints: z.array(z.string()).optional(),
  })
  .describe(
    "`PublicKeyCredentialCreationOptionsJSON`: give it to `navigator.credentials.create()`",
  );

export const RegistrationOptionsSchema = z
  .object({ challengeId: z.uuid(), options: CreationOptions })
  .meta({
    id: "PasskeyRegistrationOptions",
    description: "Options for a new passkey; the challenge works once, for 5 minutes",
  });
export type RegistrationOptions = z.infer<typeof RegistrationOptionsSchema>;

const RequestOptions = z
  .object({
    challenge: z.string(),
    rpId: z.string(),
    allowCredentials: z.array(CredentialDescriptor).describe("Empty: any passkey of this site"),
    timeout: z.number().int(),
    userVerification: z.enum(["discouraged", "preferred", "required"]),
  })
  .describe("`PublicKeyCredentialRequestOptionsJSON`: give it to `navigator.credentials.get()`");

export const AuthenticationOptionsSchema = z
  .object({ challengeId: z.uuid(), options: RequestOptions })
  .meta({
    id: "PasskeyAuthenticationOptions",
    description: "Options for signing in with a passkey; the challenge works once, for 5 minutes",
  });
export type AuthenticationOptions = z.infer<typeof AuthenticationOptionsSchema>;
