import createClient, { type FetchResponse, type MaybeOptionalInit } from "openapi-fetch";
import type {
  HttpMethod,
  MediaType,
  PathsWithMethod,
  RequiredKeysOf,
} from "openapi-typescript-helpers";
import type { components, paths } from "./schema.ts";

export type { components, paths } from "./schema.ts";

/** The RFC 9457 problem details the API answers every error with (docs/errors.md lists codes). */
export type Problem = components["schemas"]["Problem"];

/** Thrown for every answer that is not 2xx; `code` is the one to branch on. */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  readonly response: Response;

  constructor(problem: Problem, response: Response) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = "ProblemError";
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
    this.response = response;
  }
}

export type Tokens = { accessToken: string; refreshToken: string };

export type StratumClientOptions = {
  /** Where the API is, e.g. `http://localhost:3000` (paths start with `/api/…`). */
  baseUrl: string;
  accessToken?: string;
  refreshToken?: string;
  /**
   * Called after the client refreshed the pair on its own (store it: the old refresh token is
   * spent), and with `undefined` when the server refused the refresh token (signed out).
   */
  onTokens?: (tokens: Tokens | undefined) => void;
  fetch?: (request: Request) => Promise<Response>;
};

// openapi-fetch's own argument rule (not exported by it): `init` is optional when nothing in it is.
type InitParam<Init> =
  RequiredKeysOf<Init> extends never
    ? [(Init & { [key: string]: unknown })?]
    : [Init & { [key: string]: unknown }];

/** A successful answer: the parsed body and the response (for headers such as `ETag`). */
export type Ok<Result> = Result extends { data: infer Data }
  ? { data: Data; response: Response }
  : never;

// An operation of a path item: what openapi-fetch's FetchResponse takes.
type Operation<Item, M extends HttpMethod> =
  Item[M & keyof Item] extends Record<string, unknown> ? Item[M & keyof Item] : never;

type Method<M extends HttpMethod> = <
  Path extends PathsWithMethod<paths, M>,
  Init extends MaybeOptionalInit<paths[Path], M>,
>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<Ok<FetchResponse<Operation<paths[Path], M>, Init, MediaType>>>;

export type StratumClient = {
  GET: Method<"get">;
  POST: Method<"post">;
  PUT: Method<"put">;
  PATCH: Method<"patch">;
  DELETE: Method<"delete">;
  /** The pair in use, changed by refreshes. */
  tokens(): Partial<Tokens>;
  /** After login or register (pass the response body as it is), or `undefined` to forget them. */
  setTokens(tokens: Partial<Tokens> | undefined): void;
};

type Untyped = (
  method: string,
  url: string,
  init?: object,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

export function createStratumClient(options: StratumClientOptions): StratumClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  let tokens: Partial<Tokens> = {
    accessToken: options.accessToken,
    refreshToken: options.refreshToken,
  };
  const setTokens = (next: Partial<Tokens> | undefined) => {
    tokens = { accessToken: next?.accessToken, refreshToken: next?.refreshToken };
  };

  // The refresh call carries no access token: a refused one would fail it as well.
  const anonymous = createClient<paths>({ baseUrl: options.baseUrl, fetch: send });
  let refreshing: Promise<string | undefined> | undefined;

  async function refresh(): Promise<string | undefined> {
    const { refreshToken } = tokens;
    if (refreshToken === undefined) return undefined;
    const { data, response } = await anonymous.POST("/api/auth/refresh", {
      body: { refreshToken },
    });
    if (data) {
      setTokens(data);
      options.onTokens?.({ accessToken: data.accessToken, refreshToken: data.refreshToken });
      return data.accessToken;
    }
    if (response.status === 401) {
      setTokens(undefined);
      options.onTokens?.(undefined);
    }
    return undefined;
  }

  /** One refresh for every call that failed with `stale`; later failures reuse its result. */
  function freshToken(stale: string): Promise<string | undefined> {
    if (tokens.accessToken !== stale) return Promise.resolve(tokens.accessToken);
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  async function authorized(request: Request): Promise<Response> {
    const token = tokens.accessToken;
    if (token === undefined || request.headers.has("authorization") || isRefresh(request)) {
      return send(request);
    }
    const retry = request.clone();
    request.headers.set("authorization", `Bearer ${token}`);
    const response = await send(request);
    if (!(await tokenRefused(response))) return response;
    const fresh = await freshToken(token);
    if (fresh === undefined) return response;
    // Unread, the refused answer would hold its connection until garbage collection.
    await response.body?.cancel();
    retry.headers.set("authorization", `Bearer ${fresh}`);
    return send(retry);
  }

  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: authorized });
  const request = client.request as unknown as Untyped;
  const method = (name: Uppercase<HttpMethod>) =>
    (async (url: string, init?: object) => {
      const { data, error, response } = await request(name, url, init);
      if (!response.ok) throw new ProblemError(asProblem(error, response), response);
      return { data, response };
    }) as never;

  return {
    GET: method("GET"),
    POST: method("POST"),
    PUT: method("PUT"),
    PATCH: method("PATCH"),
    DELETE: method("DELETE"),
    tokens: () => ({ ...tokens }),
    setTokens,
  };
}

// Its 401 is about the refresh token, whose `invalid_token` must not be taken for the access
// token's; the route looks at no access token anyway.
const isRefresh = (request: Request) =>
  request.method === "POST" && new URL(request.url).pathname.endsWith("/api/auth/refresh");

/** A 401 for the access token itself (not, say, a wrong password at login). */
async function tokenRefused(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  try {
    const body = (await response.clone().json()) as { code?: unknown };
    return body.code === "invalid_token";
  } catch {
    return false;
  }
}

/** The body as a Problem; an answer from something in front of the API gets one made up. */
function asProblem(error: unknown, response: Response): Problem {
  if (typeof error === "object" && error !== null && "code" in error && "status" in error) {
    return error as Problem;
  }
  return {
    type: "about:blank",
    title: response.statusText || "Error",
    status: response.status,
    detail: typeof error === "string" && error ? error.slice(0, 500) : `HTTP ${response.status}`,
    instance: new URL(response.url || "http://invalid/").pathname,
    code: `http_${response.status}`,
    requestId: response.headers.get("x-request-id") ?? "",
  };
}
