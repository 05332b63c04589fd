import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Spawned, startServer } from "../../../test/helpers/process.ts";
import {
  createStratumClient,
  ProblemError,
  type StratumClient,
  type Tokens,
} from "../src/index.ts";

// The real server as a process, and nothing but the client against it: what a user of the
// package sees. Steps run in order and share one account, as a first session would.
const PASSWORD = "a long passphrase of mine";

type Mail = { to: string; subject: string; text: string };

let dataDir: string;
let server: Spawned & { url: string };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "stratum-client-"));
  server = await startServer({ DATA_DIR: dataDir, WORKER_POLL_INTERVAL_MS: "500" });
});

afterAll(async () => {
  if (server) {
    server.child.kill("SIGTERM");
    await server.exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The development mailbox is left out of the document, so it is read with plain fetch. */
async function tokenFromMail(to: string, subject: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { items } = (await (await fetch(`${server.url}/api/dev/mail`)).json()) as {
      items: Mail[];
    };
    const link = items
      .find((mail) => mail.to === to && mail.subject === subject)
      ?.text.match(/https?:\/\/\S+/)?.[0];
    const token = link && new URL(link).searchParams.get("token");
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no mail "${subject}" for ${to}; server output:\n${server.output()}`);
}

async function problemOf(promise: Promise<unknown>): Promise<ProblemError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return error as ProblemError;
}

const recipe = (title: string) => ({
  title,
  servings: 2,
  ingredients: [{ name: "flour", quantity: 200, unit: "g" as const }],
  steps: ["Mix", "Bake"],
});

describe("a first session through @stratum/client", () => {
  const email = `client-${Date.now()}@example.com`;
  const reported: (Tokens | undefined)[] = [];
  let api: StratumClient;
  let recipeId: string;
  let etag: string;

  beforeAll(() => {
    api = createStratumClient({ baseUrl: server.url, onTokens: (tokens) => reported.push(tokens) });
  });

  it("registers, verifies the email with the mailed token, and signs in", async () => {
    const { data: registered, response } = await api.POST("/api/auth/register", {
      body: { email, password: PASSWORD, name: "Client User" },
    });
    expect(response.status).toBe(201);
    expect(registered.user).toMatchObject({ email, emailVerified: false });

    const token = await tokenFromMail(email, "Confirm your email address");
    const verified = await api.POST("/api/auth/email/verify", { body: { token } });
    expect(verified.response.status).toBe(204);

    const { data: session, response: login } = await api.POST("/api/auth/login", {
      body: { email, password: PASSWORD },
    });
    // 202 with an `mfaToken` when two-step sign-in is on; this account has none.
    expect(login.status).toBe(200);
    if ("mfaToken" in session) throw new Error("no second step was expected");
    expect(session.tokenType).toBe("Bearer");
    api.setTokens(session);
    const { data: me } = await api.GET("/api/auth/me");
    expect(me).toMatchObject({ email, emailVerified: true });
  });

  it("refuses a wrong password with a typed 401, without trying a refresh", async () => {
    const problem = await problemOf(
      api.POST("/api/auth/login", { body: { email, password: "not my passphrase" } }),
    );
    expect(problem).toMatchObject({ status: 401, code: "invalid_credentials" });
    expect(reported).toEqual([]);
  });

  it("creates a recipe and updates it with If-Match", async () => {
    const created = await api.POST("/api/recipes", { body: recipe("Bread") });
    expect(created.response.status).toBe(201);
    recipeId = created.data.id;
    etag = created.response.headers.get("etag") ?? "";
    expect(etag).toBe(`"${created.data.version}"`);

    const updated = await api.PATCH("/api/recipes/{id}", {
      params: { path: { id: recipeId }, header: { "if-match": etag } },
      body: { title: "Better bread" },
    });
    expect(updated.data).toMatchObject({
      title: "Better bread",
      version: created.data.version + 1,
    });
    expect(updated.response.headers.get("etag")).toBe(`"${updated.data.version}"`);
  });

  it("answers a stale If-Match with a typed 412 problem", async () => {
    const problem = await problemOf(
      api.PATCH("/api/recipes/{id}", {
        params: { path: { id: recipeId }, header: { "if-match": etag } },
        body: { title: "Lost update" },
      }),
    );
    expect(problem.status).toBe(412);
    expect(problem.code).toBe("version_mismatch");
    expect(problem.problem).toMatchObject({
      status: 412,
      code: "version_mismatch",
      instance: `/api/recipes/${recipeId}`,
    });
    expect(problem.problem.requestId).toBe(problem.response.headers.get("x-request-id"));
    const { data } = await api.GET("/api/recipes/{id}", { params: { path: { id: recipeId } } });
    expect(data.title).toBe("Better bread");
  });

  it("lists with limit and cursor until the last page", async () => {
    for (const title of ["Soup", "Salad", "Stew", "Pie"]) {
      await api.POST("/api/recipes", { body: recipe(title) });
    }
    const titles: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { data } = await api.GET("/api/recipes", {
        params: { query: { author: "me", sort: "oldest", limit: 2, cursor } },
      });
      expect(data.items.length).toBeLessThanOrEqual(2);
      titles.push(...data.items.map((item) => item.title));
      cursor = data.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(titles).toEqual(["Better bread", "Soup", "Salad", "Stew", "Pie"]);
  });

  it("refreshes the pair by hand: the new one works", async () => {
    const before = api.tokens();
    const { data: pair } = await api.POST("/api/auth/refresh", {
      body: { refreshToken: before.refreshToken ?? "" },
    });
    expect(pair.accessToken).not.toBe(before.accessToken);
    expect(pair.refreshToken).not.toBe(before.refreshToken);
    api.setTokens(pair);
    const { data: me } = await api.GET("/api/auth/me");
    expect(me.email).toBe(email);
    expect(reported).toEqual([]);
  });

  it("signs out; the old access token then fails and the client reports the pair gone", async () => {
    const { accessToken, refreshToken } = api.tokens();
    const out = await api.POST("/api/auth/logout", { body: { refreshToken } });
    expect(out.response.status).toBe(204);

    const problem = await problemOf(api.GET("/api/auth/me"));
    expect(problem).toMatchObject({ status: 401, code: "invalid_token" });
    // The 401 led to one refresh attempt, which the ended session refused.
    expect(reported).toEqual([undefined]);
    expect(api.tokens()).toEqual({ accessToken: undefined, refreshToken: undefined });

    const stale = createStratumClient({ baseUrl: server.url, accessToken });
    expect(await problemOf(stale.GET("/api/auth/me"))).toMatchObject({ status: 401 });
  });
});

describe("refresh on 401, single flight", () => {
  it("refreshes once for concurrent calls with a refused access token; each retries once", async () => {
    const email = `flight-${Date.now()}@example.com`;
    const signUp = createStratumClient({ baseUrl: server.url });
    const { data } = await signUp.POST("/api/auth/register", {
      body: { email, password: PASSWORD, name: "Flight" },
    });
    const requests: string[] = [];
    const reported: (Tokens | undefined)[] = [];
    const api = createStratumClient({
      baseUrl: server.url,
      accessToken: "not-a-valid-token",
      refreshToken: data.refreshToken,
      onTokens: (tokens) => reported.push(tokens),
      fetch: (request) => {
        requests.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
    });

    const answers = await Promise.all(Array.from({ length: 5 }, () => api.GET("/api/auth/me")));

    expect(answers.map((answer) => answer.data.email)).toEqual(Array(5).fill(email));
    expect(requests.filter((line) => line === "POST /api/auth/refresh")).toHaveLength(1);
    expect(requests.filter((line) => line === "GET /api/auth/me")).toHaveLength(10);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toEqual(api.tokens());
    expect(api.tokens().refreshToken).not.toBe(data.refreshToken);
  });
});
