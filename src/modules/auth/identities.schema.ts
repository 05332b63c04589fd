import { z } from "zod";
import { pageSchema } from "../../lib/pagination.ts";
import { IDENTITY_PROVIDERS } from "./identities.table.ts";

const ProviderId = z.enum(IDENTITY_PROVIDERS).describe("`oidc` (OpenID Connect) or `github`");

export const ProviderParams = z.object({
  provider: z.string().max(64).describe("A provider's id, as GET /api/auth/providers lists"),
});
export const IdentityParams = z.object({ id: z.uuid() });

/** What a provider sends back to the callback (RFC 6749 §4.1.2); other parameters are ignored. */
export const CallbackQuery = z.object({
  code: z.string().max(4096).optional().describe("The authorization code"),
  state: z.string().max(512).optional().describe("The state the flow was started with"),
  iss: z
    .string()
    .max(2048)
    .optional()
    .describe("The issuer (RFC 9207), when the provider sends it"),
  error: z.string().max(256).optional().describe("Why the provider refused, instead of a code"),
  error_description: z.string().max(2048).optional(),
});

const ExchangeCode = z
  .string()
  .min(1)
  .max(512)
  .describe("The `code` of the landing URL's fragment");
const ClientKey = z
  .string()
  .min(1)
  .max(512)
  .describe("The `clientKey` the start of this sign-in answered, kept by the client since");
export const ExchangeBody = z.object({ code: ExchangeCode, clientKey: ClientKey }).meta({
  id: "ProviderExchange",
  description: "The exchange code the landing page received, and the key its start answered",
  example: { code: "q9Jc2…", clientKey: "T0kq8…" },
});

export const ProviderSchema = z
  .object({ id: ProviderId, name: z.string().describe("A label to show, such as Google") })
  .meta({ id: "IdentityProvider" });
export const ProvidersSchema = z
  .object({ providers: z.array(ProviderSchema).describe("The configured providers") })
  .meta({ id: "IdentityProviders" });

export const ProviderRedirectSchema = z
  .object({
    url: z.url().describe("Send the browser here (the provider's sign-in page)"),
    clientKey: z
      .string()
      .describe(
        "Keep it (in sessionStorage) and send it with the exchange code: it proves the sign-in " +
          "ends in the client that started it",
      ),
  })
  .meta({ id: "ProviderRedirect" });

export const IdentitySchema = z
  .object({
    id: z.uuid(),
    provider: ProviderId,
    email: z.string().nullable().describe("The address the provider gave when it was linked"),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "Identity" });
export type IdentityView = z.infer<typeof IdentitySchema>;

export const IdentitiesPageSchema = pageSchema(IdentitySchema);
