import { randomBytes } from "node:crypto";
import { randomIp } from "../factories/auth.ts";
import { recipeBody } from "../factories/recipes.ts";
import { bearer, createUser, uniqueEmail } from "../factories/users.ts";
import type { TestContext } from "../helpers/app.ts";
import type { Operation } from "./openapi.ts";
import { type Actor, type FuzzCase, RawSegment } from "./requests.ts";
import { Repeat, WorldRef } from "./values.ts";

type Account = {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
};

/** Real rows the generated requests point at: existing ids, passwords, tokens and cursors. */
export type World = {
  user: Account;
  admin: Account;
  values: Map<string, string>;
};

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
    sid: string;
  };

async function account(ctx: TestContext, role: "user" | "admin"): Promise<Account> {
  const created = await createUser(ctx, { role });
  return {
    id: created.user.id,
    email: created.user.email,
    password: created.password,
    accessToken: created.accessToken,
    refreshToken: created.refreshToken,
    sessionId: claimsOf(created.accessToken).sid,
  };
}

async function post(ctx: TestContext, url: string, token: string, payload?: unknown) {
  const response = await ctx.app.inject({
    method: "POST",
    url,
    headers: bearer(token),
    remoteAddress: randomIp(),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  if (response.statusCode >= 300)
    throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return (response.body ? response.json() : {}) as { id: string };
}

/** Fresh accounts, recipes and an export for one operation's run, so no run sees another's damage. */
export async function createWorld(ctx: TestContext, cursors: string[]): Promise<World> {
  const [user, admin, other, revoked] = await Promise.all([
    account(ctx, "user"),
    account(ctx, "admin"),
    account(ctx, "user"),
    account(ctx, "user"),
  ]);
  const tag = `fuzz-${randomBytes(3).toString("hex")}`;
  const recipe = async (author: Account, visibility: string) =>
    (await post(ctx, "/api/recipes", author.accessToken, recipeBody({ visibility, tags: [tag] })))
      .id;
  const recipes = {
    "recipe:own-public": await recipe(user, "public"),
    "recipe:own-private": await recipe(user, "private"),
    "recipe:other-public": await recipe(other, "public"),
    "recipe:other-private": await recipe(other, "private"),
  };
  const exported = await post(ctx, "/api/me/exports", user.accessToken);
  await post(ctx, "/api/auth/logout", revoked.accessToken, {});

  const [header, payload, signature = ""] = user.accessToken.split(".");
  const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
  const algNone = Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url");
  const values = new Map<string, string>([
    ...Object.entries(recipes),
    ["user:self", user.id],
    ["user:other", other.id],
    ["user:admin", admin.id],
    ["session:self", user.sessionId],
    ["session:other", other.sessionId],
    ["export:self", exported.id],
    ["email:self", user.email],
    ["password:self", user.password],
    ["refresh-token:self", user.refreshToken],
    ["tag", tag],
    ["token:revoked", `Bearer ${revoked.accessToken}`],
    ["token:tampered", `Bearer ${header}.${payload}.${flipped}`],
    ["token:alg-none", `Bearer ${algNone}.${payload}.`],
    ["token:refresh", `Bearer ${user.refreshToken}`],
  ]);
  for (let i = 0; i < 8; i++) values.set(`cursor:${i}`, cursors[i % cursors.length] ?? "AAAA");
  return { user, admin, values };
}

/** Replaces fixture references and long-string placeholders with real values, at any depth. */
export function materialise(world: World, value: unknown): unknown {
  if (value instanceof WorldRef) {
    if (value.name === "email:new") return uniqueEmail("fuzz");
    const real = world.values.get(value.name);
    if (real === undefined) throw new Error(`no fixture value ${value.name}`);
    return real;
  }
  if (value instanceof Repeat) return value.toString();
  if (Array.isArray(value)) return value.map((item) => materialise(world, item));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: materialise(world, item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** encodeURIComponent, except that lone surrogates go out as the bytes a CESU-8 encoder writes. */
export function encodeLoose(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    let out = "";
    for (const char of text) {
      const code = char.codePointAt(0) ?? 0;
      if (code >= 0xd800 && code <= 0xdfff) {
        const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
        out += bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join("");
      } else out += encodeURIComponent(char);
    }
    return out;
  }
}

const asText = (value: unknown): string =>
  typeof value === "string"
    ? value
    : value === null || typeof value !== "object"
      ? String(value)
      : JSON.stringify(value);

function authorization(world: World, actor: Actor, badToken: unknown): string | undefined {
  if (actor === "user") return `Bearer ${world.user.accessToken}`;
  if (actor === "admin") return `Bearer ${world.admin.accessToken}`;
  if (actor === "bad-token") {
    const name = String(badToken);
    return world.values.get(name) ?? name;
  }
  return undefined;
}

export type Rendered = {
  method: string;
  url: string;
  /** The URL's path, as the router will see it. */
  path: string;
  headers: Record<string, string>;
  payload: string | undefined;
};

/** The concrete request a case describes, against this world. */
export function render(world: World, operation: Operation, fuzzCase: FuzzCase): Rendered {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = fuzzCase.path[name];
    return value instanceof RawSegment
      ? value.text
      : encodeLoose(asText(materialise(world, value)));
  });
  const query = fuzzCase.query
    .map(([key, value]) => `${encodeLoose(key)}=${encodeLoose(asText(materialise(world, value)))}`)
    .join("&");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(fuzzCase.headers)) {
    if (value !== undefined) headers[name] = asText(materialise(world, value));
  }
  const auth = authorization(world, fuzzCase.actor, fuzzCase.badToken);
  if (auth !== undefined) headers.authorization = auth;
  let payload: string | undefined;
  const { body } = fuzzCase;
  if (body.kind !== "none") {
    payload =
      body.kind === "json"
        ? (JSON.stringify(materialise(world, body.value)) ?? "null")
        : asText(materialise(world, body.text));
    if (body.contentType !== "") headers["content-type"] = body.contentType;
  }
  return {
    method: fuzzCase.method ?? operation.method,
    url: query ? `${path}?${query}` : path,
    path,
    headers,
    payload,
  };
}
