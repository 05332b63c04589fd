import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import postgres from "postgres";
import { type Actor, createAuth, Unauthorized } from "./auth.ts";
import { createQueries, type NewRecipe } from "./queries.ts";
import { toPage, toRecipe } from "./views.ts";

/**
 * The floor: the least a Node server must do to answer Stratum's benchmarked requests with
 * the same JSON, the same token and session checks and the same statements. No framework,
 * no validation library, no logging.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY = 1024 * 1024;

const sql = postgres(process.env.DATABASE_URL ?? "", {
  max: Number(process.env.DB_POOL_SIZE ?? 10),
  onnotice: () => {},
  connection: { application_name: "stratum-bench-floor" },
});
const queries = createQueries(sql);
const auth = createAuth(process.env, queries, sql);

type Handler = (req: IncomingMessage, res: ServerResponse, actor: Actor | null) => Promise<void>;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": status >= 400 ? "application/problem+json" : "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

function problem(
  res: ServerResponse,
  status: number,
  code: string,
  headers?: Record<string, string>,
) {
  send(res, status, { type: "about:blank", title: code, status, code }, headers);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SyntaxError("body too large");
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const getRecipe: Handler = async (req, res, actor) => {
  const id = (req.url ?? "").slice("/api/recipes/".length).split("?")[0] ?? "";
  if (!UUID.test(id)) return problem(res, 400, "validation_failed");
  const viewerId = actor?.userId ?? null;
  const row = await queries.recipe(id, viewerId);
  const visible =
    row && (row.visibility === "public" || row.author_id === viewerId || actor?.role === "admin");
  if (!row || !visible) return problem(res, 404, "recipe_not_found");
  const [ingredients, tags] = [await queries.ingredients([id]), await queries.tags([id])];
  send(res, 200, toRecipe(row, ingredients, tags), { etag: `"${row.version}"` });
};

const listRecipes: Handler = async (req, res, actor) => {
  const params = new URL(req.url ?? "/", "http://floor").searchParams;
  const limit = Number(params.get("limit") ?? 20);
  const q = params.get("q") ?? undefined;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100 || (q?.length ?? 0) > 200) {
    return problem(res, 400, "validation_failed");
  }
  const rows = await queries.page(actor?.userId ?? null, q, limit);
  const kept = rows.slice(0, limit);
  const tags = kept.length ? await queries.tags(kept.map((row) => row.id)) : [];
  send(res, 200, toPage(rows, kept, tags, limit));
};

function validRecipe(body: unknown): body is NewRecipe {
  const b = body as Record<string, unknown> | null;
  return (
    typeof b === "object" &&
    b !== null &&
    typeof b.title === "string" &&
    b.title.trim().length > 0 &&
    b.title.length <= 200 &&
    Number.isInteger(b.servings) &&
    (b.servings as number) >= 1 &&
    (b.servings as number) <= 100 &&
    Array.isArray(b.ingredients) &&
    b.ingredients.length <= 100 &&
    b.ingredients.every((i) => typeof i?.name === "string" && i.name.length > 0) &&
    (b.steps === undefined ||
      (Array.isArray(b.steps) && b.steps.every((s) => typeof s === "string"))) &&
    (b.tags === undefined || (Array.isArray(b.tags) && b.tags.every((t) => typeof t === "string")))
  );
}

const createRecipe: Handler = async (req, res, actor) => {
  if (!actor) return problem(res, 401, "unauthorized", { "www-authenticate": "Bearer" });
  const body = (await readJson(req)) as Record<string, unknown>;
  if (!validRecipe(body)) return problem(res, 400, "validation_failed");
  const input: NewRecipe = {
    title: body.title.trim(),
    description: typeof body.description === "string" ? body.description.trim() : "",
    servings: body.servings,
    prepMinutes: Number(body.prepMinutes ?? 0),
    cookMinutes: Number(body.cookMinutes ?? 0),
    visibility: body.visibility === "private" ? "private" : "public",
    steps: (body.steps ?? []).map((step) => step.trim()),
    ingredients: body.ingredients.map((i) => ({
      name: i.name.trim(),
      quantity: i.quantity ?? null,
      unit: i.unit ?? null,
      note: i.note ?? null,
    })),
    tags: [...new Set((body.tags ?? []).map((tag) => tag.trim().toLowerCase()))],
  };
  // As Stratum: the author's name, one statement of writes, and the answer built from what was
  // written rather than read back.
  const authorName = await queries.authorName(actor.userId);
  if (authorName === undefined) return problem(res, 401, "unauthorized");
  const row = await queries.insertRecipe(actor.userId, input, new Date());
  const recipe = toRecipe(
    { ...row, author_name: authorName, favorited: false },
    input.ingredients.map((ingredient) => ({ recipe_id: row.id, ...ingredient })),
    [...input.tags].sort().map((tag) => ({ tag })),
  );
  send(res, 201, recipe, { location: `/api/recipes/${recipe.id}`, etag: `"${recipe.version}"` });
};

const login: Handler = async (req, res) => {
  const body = (await readJson(req)) as { email?: unknown; password?: unknown } | null;
  if (typeof body?.email !== "string" || typeof body.password !== "string") {
    return problem(res, 400, "validation_failed");
  }
  const userAgent = req.headers["user-agent"] ?? null;
  const result = await auth.login(
    body.email,
    body.password,
    req.socket.remoteAddress ?? "",
    userAgent,
  );
  if (!result) return problem(res, 401, "invalid_credentials", { "www-authenticate": "Bearer" });
  send(res, 200, result);
};

const ready: Handler = async (_req, res) => {
  await queries.ping();
  send(res, 200, { status: "ready" });
};

function route(method: string, path: string): Handler | undefined {
  if (method === "GET" && path.startsWith("/api/recipes/")) return getRecipe;
  if (method === "GET" && path === "/api/recipes") return listRecipes;
  if (method === "POST" && path === "/api/recipes") return createRecipe;
  if (method === "POST" && path === "/api/auth/login") return login;
  if (method === "GET" && path === "/health/ready") return ready;
  return undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const handler = route(req.method ?? "GET", path);
  if (!handler) return problem(res, 404, "route_not_found");
  try {
    const actor =
      path === "/api/auth/login" ? null : await auth.authenticate(req.headers.authorization);
    await handler(req, res, actor);
  } catch (error) {
    if (error instanceof Unauthorized) {
      return problem(res, 401, "invalid_token", { "www-authenticate": "Bearer" });
    }
    if (error instanceof SyntaxError) return problem(res, 400, "malformed_json");
    problem(res, 500, "internal_error");
  }
}

const server = createServer((req, res) => void handle(req, res));
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? "127.0.0.1");

const stop = () => server.close(() => void sql.end({ timeout: 5 }).then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
