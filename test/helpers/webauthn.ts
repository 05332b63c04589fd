import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type { FastifyInstance } from "fastify";

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();
const b64url = (data: Buffer | Uint8Array) => Buffer.from(data).toString("base64url");

type CreationOptions = { challenge: string; rp: { id: string }; user: { id: string } };
type RequestOptions = { challenge: string; rpId: string };

/** What a test may change in a ceremony to make it wrong. */
type Tweaks = { origin?: string; counter?: number; userVerified?: boolean; userHandle?: string };

/**
 * A software authenticator, in the place of a browser and a security key: one P-256 credential
 * (ES256), attestation "none", answers signed as a real authenticator signs them.
 */
export function softAuthenticator(options: { origin: string }) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const credentialId = randomBytes(16);
  let counter = 0;
  let userHandle: string | undefined;

  // COSE_Key of an EC2 P-256 key for ES256 (RFC 9053): kty 2, alg -7, crv 1, x, y.
  const coseKey = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? "", "base64url")],
      [-3, Buffer.from(jwk.y ?? "", "base64url")],
    ]),
  );

  function clientData(type: string, challenge: string, tweaks: Tweaks): Buffer {
    const origin = tweaks.origin ?? options.origin;
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  function authData(rpId: string, flags: number, count: number, attested?: Buffer): Buffer {
    const head = Buffer.alloc(37);
    sha256(rpId).copy(head, 0);
    head.writeUInt8(flags, 32);
    head.writeUInt32BE(count, 33);
    return attested ? Buffer.concat([head, attested]) : head;
  }

  const flagsOf = (tweaks: Tweaks, extra = 0) =>
    UP | (tweaks.userVerified === false ? 0 : UV) | extra;

  return {
    credentialId: b64url(credentialId),

    /** The answer of `navigator.credentials.create()` to registration options. */
    register(creation: CreationOptions, tweaks: Tweaks = {}) {
      userHandle = creation.user.id;
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, coseKey]);
      const data = authData(creation.rp.id, flagsOf(tweaks, AT), counter, attested);
      const attestation: Map<string, string | Uint8Array | Map<string, string>> = new Map();
      attestation.set("fmt", "none").set("attStmt", new Map()).set("authData", data);
      const attestationObject = isoCBOR.encode(attestation);
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: "public-key" as const,
        response: {
          clientDataJSON: b64url(clientData("webauthn.create", creation.challenge, tweaks)),
          attestationObject: b64url(attestationObject),
          transports: ["internal" as const],
        },
        clientExtensionResults: {},
      };
    },

    /** The answer of `navigator.credentials.get()`; the counter goes up by one unless set. */
    assert(request: RequestOptions, tweaks: Tweaks = {}) {
      counter = tweaks.counter ?? counter + 1;
      const data = authData(request.rpId, flagsOf(tweaks), counter);
      const client = clientData("webauthn.get", request.challenge, tweaks);
      const signature = sign("sha256", Buffer.concat([data, sha256(client)]), privateKey);
      const handle = tweaks.userHandle ?? userHandle;
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: "public-key" as const,
        response: {
          clientDataJSON: b64url(client),
          authenticatorData: b64url(data),
          signature: b64url(signature),
          ...(handle === undefined ? {} : { userHandle: handle }),
        },
        clientExtensionResults: {},
      };
    },
  };
}

export type SoftAuthenticator = ReturnType<typeof softAuthenticator>;

/** The origin of the test config's APP_URL: where test ceremonies take place. */
export const TEST_ORIGIN = "http://localhost:3000";

/** Adds a passkey of a new software authenticator to the account, over HTTP. */
export async function registerPasskey(app: FastifyInstance, accessToken: string, name = "Laptop") {
  const authenticator = softAuthenticator({ origin: TEST_ORIGIN });
  const headers = { authorization: `Bearer ${accessToken}` };
  const asked = await app.inject({
    method: "POST",
    url: "/api/auth/passkeys/registration/options",
    headers,
  });
  const { challengeId, options } = asked.json();
  const response = authenticator.register(options);
  const added = await app.inject({
    method: "POST",
    url: "/api/auth/passkeys",
    headers,
    payload: { challengeId, name, response },
  });
  if (added.statusCode !== 201) throw new Error(`passkey not added: ${added.body}`);
  return { authenticator, passkey: added.json() as { id: string; name: string } };
}
