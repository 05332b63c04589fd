import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { COSEALG } from "@simplewebauthn/server/helpers";
import type { UserRow } from "../users/users.table.ts";
import type { AuthenticationResponse, RegistrationResponse } from "./passkeys.schema.ts";
import type { PasskeyRow } from "./passkeys.table.ts";

/** How long the answer to a challenge may take: it is also the options' `timeout`. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/**
 * EdDSA, ES256, RS256: the library's defaults without ML-DSA-44, whose support check prints
 * Node's "experimental Web Crypto" warnings on stderr of every process that registers a passkey.
 */
const ALGORITHMS = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];

export type WebauthnSettings = { rpId: string; rpName: string; origins: string[] };

/** The challenge a response answers, from its clientDataJSON; undefined when unreadable. */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
    return typeof data?.challenge === "string" && data.challenge.length <= 512
      ? data.challenge
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The WebAuthn ceremonies of this relying party, through `@simplewebauthn/server`. User
 * verification is required throughout: a passkey alone stands for both factors. A response the
 * library refuses (it throws on most) is `undefined` here, never an exception.
 */
export function createWebauthn(settings: WebauthnSettings) {
  const expected = { expectedOrigin: settings.origins, expectedRPID: settings.rpId };
  return {
    registrationOptions(user: UserRow, existing: { id: string; transports: string[] }[]) {
      return generateRegistrationOptions({
        rpName: settings.rpName,
        rpID: settings.rpId,
        userName: user.email,
        userDisplayName: user.name,
        // The user handle authenticators keep: the account id, which names nothing about its owner.
        userID: new TextEncoder().encode(user.id),
        timeout: CHALLENGE_TTL_MS,
        attestationType: "none",
        excludeCredentials: existing,
        authenticatorSelection: { residentKey: "required", userVerification: "required" },
        supportedAlgorithmIDs: ALGORITHMS,
      });
    },

    async verifyRegistration(response: RegistrationResponse, challenge: string) {
      try {
        const result = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          ...expected,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
        return result.registrationInfo;
      } catch {
        return undefined;
      }
    },

    /** Any passkey of this site (`allowCredentials` empty): the account is found from it. */
    authenticationOptions() {
      return generateAuthenticationOptions({
        rpID: settings.rpId,
        allowCredentials: [],
        timeout: CHALLENGE_TTL_MS,
        userVerification: "required",
      });
    },

    /** Signature, origin, RP ID and flags; the counter is left to the caller (stored as 0 here). */
    async verifyAssertion(
      response: AuthenticationResponse,
      challenge: string,
      passkey: PasskeyRow,
    ) {
      try {
        const result = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          ...expected,
          credential: {
            id: passkey.credentialId,
            publicKey: Buffer.from(passkey.publicKey, "base64url"),
            counter: 0,
            transports: passkey.transports,
          },
          requireUserVerification: true,
        });
        return result.verified ? result.authenticationInfo : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
