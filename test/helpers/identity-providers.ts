import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MutableResponse, MutableToken } from "oauth2-mock-server";
import { OAuth2Server } from "oauth2-mock-server";
import { expect } from "vitest";
import { randomIp } from "../factories/auth.ts";
import type { TestContext } from "./app.ts";

export const OIDC_CLIENT = { id: "stratum-test", secret: "oidc-test-secret" };
export const GITHUB_CLIENT = { id: "gh-test", secret: "gh-test-secret" };

/** Who the mock providers say signs in next. */
export type MockProfile = {
  subject: string;
  email?: string | undefined;
  emailVerified?: boolean;
  name?: string;
};

/** An OpenID Connect provider on loopback: discovery, JWKS, authorize, token (oauth2-mock-server). */
export async function startOidcMock() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(0, "127.0.0.1");
  const issuer = server.issuer.url ?? "";
  let profile: MockProfile = { subject: "nobody" };
  let forge: "signature" | "nonce" | undefined;
  server.service.on("beforeTokenSigning", (token: MutableToken) => {
    token.payload.sub = profile.subject;
    if (forge === "nonce" && token.payload.nonce) token.payload.nonce = "another-nonce";
    if (profile.email !== undefined) token.payload.email = profile.email;
    if (profile.emailVerified !== undefined) token.payload.email_verified = profile.emailVerified;
    if (profile.name !== undefined) token.payload.name = profile.name;
  });
  // A tampered ID token: another subject in its payload under the original signature.
  server.service.on("beforeResponse", (response: MutableResponse) => {
    const body = response.body as { id_token?: string };
    if (forge !== "signature" || !body.id_token) return;
    const [header, payload, signature] = body.id_token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8"));
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: "someone-else" }));
    body.id_token = `${header}.${forged.toString("base64url")}.${signature}`;
  });
  return {
    issuer,
    /** Sets who signs in next, and what of the ID token comes back forged, if anything. */
    as(next: MockProfile, options: { forge?: "signature" | "nonce" } = {}) {
      profile = next;
      forge = options.forge;
    },
    close: () => server.stop(),
  };
}

type GitHubGrant = { challenge: string; profile: MockProfile; used: boolean };

function readBody(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => resolve(new URLSearchParams(text)));
  });
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** GitHub's OAuth endpoints and the two REST calls sign-in makes, on loopback. */
export async function startGitHubMock() {
  let profile: MockProfile = { subject: "1" };
  const grants = new Map<string, GitHubGrant>();
  const tokens = new Map<string, MockProfile>();

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/login/oauth/authorize") {
      const code = randomBytes(12).toString("hex");
      const challenge = url.searchParams.get("code_challenge") ?? "";
      grants.set(code, { challenge, profile, used: false });
      const back = new URL(url.searchParams.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      response.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === "/login/oauth/access_token" && request.method === "POST") {
      const body = await readBody(request);
      const grant = grants.get(body.get("code") ?? "");
      const verifier = body.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      const secret = body.get("client_secret") ?? basicSecret(request);
      // GitHub answers a bad code with 200 and an error field.
      if (
        !grant ||
        grant.used ||
        grant.challenge !== challenge ||
        secret !== GITHUB_CLIENT.secret
      ) {
        json(response, 200, { error: "bad_verification_code" });
        return;
      }
      grant.used = true;
      const accessToken = `gho_${randomBytes(12).toString("hex")}`;
      tokens.set(accessToken, grant.profile);
      json(response, 200, { access_token: accessToken, token_type: "bearer", scope: "user:email" });
      return;
    }
    const user = tokens.get((request.headers.authorization ?? "").replace(/^Bearer /, ""));
    if (!user) return json(response, 401, { message: "Bad credentials" });
    if (url.pathname === "/user") {
      return json(response, 200, {
        id: Number(user.subject),
        login: "octo",
        name: user.name ?? null,
      });
    }
    if (url.pathname === "/user/emails") {
      const emails = [{ email: "other@users.noreply.github.com", primary: false, verified: true }];
      if (user.email) {
        emails.push({ email: user.email, primary: true, verified: user.emailVerified ?? false });
      }
      return json(response, 200, emails);
    }
    json(response, 404, { message: "Not Found" });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => json(response, 500, {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    as(next: MockProfile) {
      profile = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function basicSecret(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  return decodeURIComponent(decoded.slice(decoded.indexOf(":") + 1));
}

/** The environment of an app with both mock providers configured. */
export function providersEnv(oidcIssuer: string, gitHubUrl: string): Record<string, string> {
  return {
    OIDC_ISSUER: oidcIssuer,
    OIDC_CLIENT_ID: OIDC_CLIENT.id,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    OIDC_NAME: "Mock ID",
    GITHUB_CLIENT_ID: GITHUB_CLIENT.id,
    GITHUB_CLIENT_SECRET: GITHUB_CLIENT.secret,
    GITHUB_URL: gitHubUrl,
    GITHUB_API_URL: gitHubUrl,
  };
}

/**
 * Starts a flow and follows the browser to the provider and back: the callback's path and query
 * (what the provider redirected to) and the client key, before the callback is called.
 */
export async function visitProvider(
  ctx: TestContext,
  provider: string,
  headers: Record<string, string> = {},
) {
  const purpose = headers.authorization ? "link" : "start";
  const started = await ctx.app.inject({
    method: "POST",
    url: `/api/auth/providers/${provider}/${purpose}`,
    headers,
    remoteAddress: randomIp(),
  });
  expect(started.statusCode, started.body).toBe(200);
  const { url, clientKey } = started.json() as { url: string; clientKey: string };
  const authorize = await fetch(url, { redirect: "manual" });
  const location = new URL(authorize.headers.get("location") ?? "");
  return { callback: `${location.pathname}${location.search}`, location, clientKey };
}

export const callback = (ctx: TestContext, path: string) =>
  ctx.app.inject({ method: "GET", url: path, remoteAddress: randomIp() });

/** The landing URL's fragment of a callback's redirect. */
export function landingOf(response: { statusCode: number; headers: Record<string, unknown> }) {
  expect(response.statusCode).toBe(302);
  const location = new URL(String(response.headers.location));
  return { location, fragment: new URLSearchParams(location.hash.slice(1)) };
}

export const exchange = (ctx: TestContext, code: string, clientKey: string) =>
  ctx.app.inject({
    method: "POST",
    url: "/api/auth/providers/exchange",
    payload: { code, clientKey },
    remoteAddress: randomIp(),
  });

/** The whole sign-in: start, provider, callback, exchange. */
export async function signInWith(ctx: TestContext, provider: string) {
  const visit = await visitProvider(ctx, provider);
  const { fragment } = landingOf(await callback(ctx, visit.callback));
  return exchange(ctx, fragment.get("code") ?? "", visit.clientKey);
}
