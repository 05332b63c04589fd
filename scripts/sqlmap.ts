/**
 * `npm run test:sqlmap`: sqlmap against every query and path parameter of the API's GET
 * operations (lists, searches and reads), as read from the served OpenAPI document, anonymous,
 * signed in and as an administrator.
 *
 * The API runs as a real process (production settings) on a fresh PostgreSQL database of its own
 * (`stratum_sqlmap` on the server of TEST_DATABASE_URL), seeded with recipes, ratings, favorites,
 * sessions and exports, so every list has a second page and every search has hits. Cursors are
 * also attacked inside: each field of the decoded cursor is a parameter of its own (sqlmap's
 * `--eval` re-encodes it on every request).
 *
 * The verdict comes from sqlmap's output, never its exit code: a parameter passes only when sqlmap
 * says it "does not seem to be injectable", its traffic log shows a 2xx baseline and at least
 * MIN_REQUESTS requests, and no response was a 5xx or a 429. Anything that reads like a finding
 * ("injectable", "injection point", "is vulnerable") fails the run. Writes reports/sqlmap.json
 * (with vitest-style counts for CI) and exits 1 on any failure.
 *
 * Env: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), SQLMAP_LEVEL (3),
 * SQLMAP_RISK (2), SQLMAP_CONCURRENCY (2), SQLMAP_BUDGET_SECONDS (360: runs not started by then
 * fail; a run is killed after 120 s), SQLMAP_ONLY (a regex on the path: run only those),
 * SQLMAP_KEEP=1 keeps the sqlmap logs and traffic files (always kept when the run fails).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stripVTControlCharacters } from "node:util";
import postgres from "postgres";
import { recipeBody } from "../test/factories/recipes.ts";
import { type Spawned, spawnEntry, startServer } from "../test/helpers/process.ts";
import { softAuthenticator } from "../test/helpers/webauthn.ts";

const BASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DB_NAME = "stratum_sqlmap";
const REPORT = "reports/sqlmap.json";
const LEVEL = Number(process.env.SQLMAP_LEVEL ?? 3);
const RISK = Number(process.env.SQLMAP_RISK ?? 2);
const CONCURRENCY = Number(process.env.SQLMAP_CONCURRENCY ?? 2);
const BUDGET_MS = Number(process.env.SQLMAP_BUDGET_SECONDS ?? 360) * 1000;
const JOB_TIMEOUT_MS = 120_000;
/** Fewer requests than this means sqlmap gave up early: the parameter was not really tested. */
const MIN_REQUESTS = 100;
const SKIPPED_PATHS = /^\/(health|docs|openapi)/;
/**
 * Operations no request can answer 2xx, so sqlmap has no baseline to compare with: listed with
 * the reason in the report and the table, not counted as tested nor as a failure.
 */
const NO_BASELINE: Record<string, string> = {
  "/api/auth/providers/{provider}/callback":
    "answers a 302 at best, and only once per sign-in started at a live identity provider; " +
    "`provider` is matched against a fixed list, `state` reaches SQL only as its SHA-256 digest, " +
    "`code` goes only to the provider (identities.test.ts sends wrong and replayed ones)",
};
/** Only the operations whose path matches, for a quick look at one list; CI runs them all. */
const ONLY = process.env.SQLMAP_ONLY ? new RegExp(process.env.SQLMAP_ONLY) : undefined;

type Identity = "anonymous" | "user" | "admin";
type Location = "query" | "path" | "cursor field";
/** One parameter a run attacks. */
type Target = {
  /** As the report names it: `q`, `id`, `cursor[k][0]`. */
  name: string;
  location: Location;
  /** As sqlmap names it in its output: `q`, `#1*`, `cf0`. */
  label: string;
  /** The query key or, for a path parameter, "" (the whole path is compared). */
  key: string;
  /** The value of the baseline request: what a request attacking this target changes. */
  baseline: string;
};
/** One sqlmap process: one URL, one identity, one or more targets tested one after another. */
type Job = { endpoint: string; identity: Identity; url: string; args: string[]; targets: Target[] };
type Result = {
  endpoint: string;
  parameter: string;
  location: Location;
  identity: Identity;
  url: string;
  requests: number;
  statuses: Record<string, number>;
  seconds: number;
  verdict: "not injectable" | "INJECTABLE" | "NOT TESTED";
  reasons: string[];
  notes: string[];
};

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), "stratum-sqlmap-"));
const password = `Pw-${randomBytes(12).toString("base64url")}`;
const dbUrl = (() => {
  const url = new URL(BASE_URL);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
})();
const env = {
  NODE_ENV: "production",
  DATABASE_URL: dbUrl,
  JWT_SECRET: randomBytes(32).toString("base64url"),
  // The run reads the served /openapi.json, which production leaves off by default.
  API_DOCS: "true",
  DATA_DIR: join(work, "data"),
  STORAGE_DIR: join(work, "storage"),
  WORKER_MODE: "inline",
  WORKER_POLL_INTERVAL_MS: "500",
  LOG_LEVEL: "info",
};

async function adminSql<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

const dropDatabase = () =>
  adminSql((sql) => sql.unsafe(`drop database if exists "${DB_NAME}" with (force)`));

/** Runs a CLI command to its end; throws with its output when it fails. */
async function cli(args: string[], stdin?: string): Promise<string> {
  // db:seed refuses production; this scratch database only ever holds test data.
  const mode = args[0] === "db:seed" ? { NODE_ENV: "development" } : {};
  const spawned = spawnEntry("src/cli.ts", args, { ...env, ...mode });
  spawned.child.stdin?.end(stdin ?? "");
  const code = await spawned.exited;
  if (code !== 0) throw new Error(`cli ${args[0]} exited ${code}:\n${spawned.output()}`);
  return spawned.output();
}

async function api<T = unknown>(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function expectStatus<T>(
  call: Promise<{ status: number; body: T }>,
  status: number,
  what: string,
): Promise<T> {
  const result = await call;
  if (result.status !== status) {
    throw new Error(
      `${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`,
    );
  }
  return result.body;
}

type Summary = { id: string; author: { id: string }; rating: { count: number } };
type Page<T = unknown> = { items: T[]; nextCursor: string | null };

/** Users, recipes and everything the lists list; returns tokens and the ids the paths need. */
async function seed(base: string) {
  const login = (email: string) =>
    expectStatus<{ accessToken: string }>(
      api(base, "POST", "/api/auth/login", undefined, { email, password }),
      200,
      `login ${email}`,
    ).then((body) => body.accessToken);
  const user = await login("sqlmap-user@example.com");
  // Two more sessions, so the session list has a second page.
  await login("sqlmap-user@example.com");
  await login("sqlmap-user@example.com");
  const admin = await login("sqlmap-admin@example.com");

  await expectStatus(api(base, "POST", "/api/recipes", user, recipeBody()), 201, "create recipe");
  await expectStatus(
    api(base, "POST", "/api/recipes", user, recipeBody({ visibility: "private" })),
    201,
    "create private recipe",
  );
  const all = await expectStatus<Page<Summary>>(
    api(base, "GET", "/api/recipes?limit=100&sort=rating", user),
    200,
    "list recipes",
  );
  const rated = all.items.filter((recipe) => recipe.rating.count >= 2);
  const [first, second] = rated;
  if (!first || !second) throw new Error("the seed has fewer than two recipes rated twice");
  for (const recipe of [first, second]) {
    await expectStatus(
      api(base, "PUT", `/api/recipes/${recipe.id}/rating`, user, { stars: 4 }),
      200,
      "rate",
    );
    const favorite = await api(base, "PUT", `/api/recipes/${recipe.id}/favorite`, user);
    if (favorite.status >= 300) throw new Error(`favorite: ${favorite.status}`);
  }
  let exportId = "";
  for (let i = 0; i < 2; i++) {
    const started = await expectStatus<{ id: string }>(
      api(base, "POST", "/api/me/exports", user),
      202,
      "request export",
    );
    exportId = started.id;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await api<{ status: string }>(
        base,
        "GET",
        `/api/me/exports/${exportId}`,
        user,
      );
      if (body.status === "succeeded") break;
      if (body.status === "failed" || Date.now() > deadline) {
        throw new Error(`export ${exportId} did not succeed: ${body.status}`);
      }
      await sleep(200);
    }
  }
  // An author whose recipes also match the other sample filters, so they find something together.
  const matching = await expectStatus<Page<Summary>>(
    api(base, "GET", "/api/recipes?q=soup&tag=soup&ingredient=tomato&maxTotalMinutes=120", user),
    200,
    "search recipes",
  );
  const author = matching.items[0]?.author.id;
  if (!author) throw new Error("no public tomato soup to search for");
  // Two passkeys and two linked identities, so those lists have a second page too. Passkeys
  // through the API, with a software authenticator at the origin of the server's APP_URL
  // (its default); identities straight into their table, as no provider runs here.
  for (const name of ["Laptop", "Phone"]) {
    const authenticator = softAuthenticator({ origin: "http://localhost:3000" });
    type Options = Parameters<ReturnType<typeof softAuthenticator>["register"]>[0];
    const asked = await expectStatus<{ challengeId: string; options: Options }>(
      api(base, "POST", "/api/auth/passkeys/registration/options", user),
      200,
      "passkey options",
    );
    const response = authenticator.register(asked.options);
    const body = { challengeId: asked.challengeId, name, response };
    await expectStatus(api(base, "POST", "/api/auth/passkeys", user, body), 201, "add passkey");
  }
  const me = await expectStatus<{ id: string }>(api(base, "GET", "/api/auth/me", user), 200, "me");
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    for (const provider of ["oidc", "github"]) {
      // Milliseconds, as the API writes them (its clock's), which the list's cursor carries.
      await sql`insert into user_identities (user_id, provider, subject, email, created_at)
                values (${me.id}, ${provider}, ${`sqlmap-${provider}`}, 'sqlmap-user@example.com',
                        date_trunc('milliseconds', clock_timestamp()))`;
    }
  } finally {
    await sql.end();
  }
  return {
    tokens: { anonymous: undefined, user, admin } as Record<Identity, string | undefined>,
    recipeId: first.id,
    authorId: author,
    exportId,
  };
}

type Parameter = { name: string; in: string };
type Operation = { path: string; parameters: Parameter[] };

/** Every GET operation with a query or path parameter, from the served document. */
async function operations(base: string): Promise<Operation[]> {
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<string, { get?: { parameters?: Parameter[] } }>;
  };
  return Object.entries(doc.paths)
    .filter(([path, item]) => item.get && !SKIPPED_PATHS.test(path) && (ONLY?.test(path) ?? true))
    .map(([path, item]) => ({
      path,
      parameters: (item.get?.parameters ?? []).filter((p) => p.in === "query" || p.in === "path"),
    }))
    .filter((operation) => operation.parameters.length > 0);
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** A value each parameter accepts and that finds something; an unknown name fails the run. */
function sampleValue(path: string, parameter: Parameter, seeded: Seeded): string {
  if (parameter.in === "path") {
    if (path.startsWith("/api/recipes/{id}")) return seeded.recipeId;
    if (path.startsWith("/api/me/exports/{id}")) return seeded.exportId;
  } else {
    const byName: Record<string, string> = {
      q: path === "/api/admin/users" ? "sqlmap" : "soup",
      tag: "soup",
      ingredient: "tomato",
      maxTotalMinutes: "120",
      author: seeded.authorId,
      visibility: "public",
      sort: "newest",
      limit: "5",
      servings: "8",
    };
    const value = byName[parameter.name];
    if (value !== undefined) return value;
  }
  throw new Error(`no sample value for ${parameter.in} parameter ${parameter.name} of ${path}`);
}

const fillPath = (path: string, values: Record<string, string>, marked?: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => `${values[name]}${name === marked ? "*" : ""}`);

const query = (pairs: [string, string][]) =>
  pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`;

/** The leaves of a decoded cursor, with the Python subscript that reaches each. */
function leaves(value: unknown, at = ""): { name: string; subscript: string; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, `${at}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) =>
      leaves(item, `${at}[${JSON.stringify(key)}]`),
    );
  }
  return [{ name: `cursor${at.replace(/"/g, "")}`, subscript: at, value }];
}

/**
 * Python for `--eval`, run by sqlmap before every request: rebuilds the cursor from the decoded
 * one with each leaf taken from its own query parameter (`cf0`, `cf1`, …), the one sqlmap is
 * attacking carrying the payload. A number leaf stays a number while it still reads as one.
 */
function cursorEval(
  decoded: unknown,
  fields: { label: string; subscript: string; value: unknown }[],
) {
  const template = Buffer.from(JSON.stringify(decoded)).toString("base64");
  return [
    "import base64,json,re",
    `d=json.loads(base64.b64decode('${template}'))`,
    ...fields.map(({ label, subscript, value }) =>
      typeof value === "string"
        ? `d${subscript}=${label}`
        : `d${subscript}=json.loads(${label}) if re.fullmatch(r'-?[0-9]+([.][0-9]+)?',${label}) else ${label}`,
    ),
    "cursor=base64.urlsafe_b64encode(json.dumps(d,separators=(',',':')).encode()).decode().rstrip('=')",
  ].join("\n");
}

/** The identities that get a 2xx: anonymous and user where allowed, the admin where a user may not. */
async function callers(base: string, path: string, seeded: Seeded) {
  const allowed: Identity[] = [];
  const seen: string[] = [];
  for (const identity of ["anonymous", "user", "admin"] as const) {
    if (identity === "admin" && allowed.includes("user")) continue;
    const { status } = await api(base, "GET", path, seeded.tokens[identity]);
    seen.push(`${identity} ${status}`);
    if (status < 300) allowed.push(identity);
  }
  return { allowed, seen: seen.join(", ") };
}

async function plan(
  base: string,
  seeded: Seeded,
): Promise<{ jobs: Job[]; problems: string[]; skipped: string[] }> {
  const jobs: Job[] = [];
  const problems: string[] = [];
  const skipped: string[] = [];
  for (const operation of await operations(base)) {
    const endpoint = `GET ${operation.path}`;
    const reason = NO_BASELINE[operation.path];
    if (reason) {
      skipped.push(`${endpoint}: ${reason}`);
      continue;
    }
    const values: Record<string, string> = {};
    for (const parameter of operation.parameters) {
      // A cursor comes from the list's own first page, below.
      if (parameter.name === "cursor") continue;
      values[parameter.name] = sampleValue(operation.path, parameter, seeded);
    }
    const path = fillPath(operation.path, values);
    const plain = operation.parameters.filter((p) => p.in === "query" && p.name !== "cursor");
    const pairs = plain.map((p): [string, string] => [p.name, values[p.name] as string]);
    const { allowed, seen } = await callers(base, `${path}${query(pairs)}`, seeded);
    if (allowed.length === 0) {
      problems.push(`${endpoint}: no identity gets a 2xx (${seen}), not testable`);
      continue;
    }
    for (const identity of allowed) {
      const token = seeded.tokens[identity];
      const auth = token ? ["-H", `Authorization: Bearer ${token}`] : [];
      const add = (url: string, args: string[], targets: Target[]) =>
        jobs.push({ endpoint, identity, url, args: [...auth, ...args], targets });
      if (plain.length > 0) {
        // Every plain query parameter in one run, the others staying at their sample values;
        // the sample values together must still find something, or a boolean test sees nothing.
        const url = `${path}${query(pairs)}`;
        const page = await api<Partial<Page>>(base, "GET", url, token);
        if (page.body?.items && page.body.items.length === 0) {
          problems.push(`${endpoint} as ${identity}: ${url} finds nothing; pick other samples`);
        }
        add(
          `${base}${url}`,
          ["-p", plain.map((p) => p.name).join(",")],
          plain.map((p) => ({
            name: p.name,
            location: "query",
            label: p.name,
            key: p.name,
            baseline: values[p.name] as string,
          })),
        );
      }
      for (const parameter of operation.parameters.filter((p) => p.in === "path")) {
        add(
          `${base}${fillPath(operation.path, values, parameter.name)}`,
          [],
          [{ name: parameter.name, location: "path", label: "#1*", key: "", baseline: path }],
        );
      }
      if (!operation.parameters.some((p) => p.name === "cursor")) continue;
      const first = await api<Page>(base, "GET", `${path}?limit=1`, token);
      const cursor = first.body?.nextCursor;
      if (first.status !== 200 || !cursor) {
        problems.push(`${endpoint} as ${identity}: no second page (${first.status}), no cursor`);
        continue;
      }
      add(
        `${base}${path}${query([
          ["limit", "1"],
          ["cursor", cursor],
        ])}`,
        ["-p", "cursor"],
        [{ name: "cursor", location: "query", label: "cursor", key: "cursor", baseline: cursor }],
      );
      // Inside the cursor: once per list, as the last (most privileged) identity allowed.
      if (identity !== allowed.at(-1)) continue;
      const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      const fields = leaves(decoded).map((leaf, i) => ({ ...leaf, label: `cf${i}` }));
      add(
        `${base}${path}${query([["limit", "1"], ["cursor", cursor], ...fields.map((f): [string, string] => [f.label, String(f.value)])])}`,
        ["-p", fields.map((f) => f.label).join(","), "--eval", cursorEval(decoded, fields)],
        fields.map((f) => ({
          name: f.name,
          location: "cursor field",
          label: f.label,
          key: f.label,
          baseline: String(f.value),
        })),
      );
    }
  }
  return { jobs, problems, skipped };
}

/**
 * A finding is any line that speaks of injection ("GET parameter 'q' appears to be '…'
 * injectable", "… is vulnerable", "identified the following injection point(s)", "might be
 * injectable") and is not one of sqlmap's known negatives, so a new wording cannot slip through.
 */
const FINDING = /injectable|injection point|is vulnerable/i;
const NEGATIVE =
  /does not seem to be injectable|do not appear to be injectable|might not be injectable|no dynamic nor injectable parameters are detected/i;
const OTHER_CLASS = /cross-site scripting|file inclusion/i;

type Exchange = { path: string; query: URLSearchParams; status: string };

/** The requests of a traffic log (`-t`), in order, with the status each got. */
function exchanges(traffic: string): Exchange[] {
  const byNumber = new Map<string, Exchange>();
  for (const m of traffic.matchAll(/^HTTP request \[#(\d+)\]:\r?\n\w+ (\S+) HTTP/gm)) {
    const url = new URL(m[2] as string, "http://x");
    byNumber.set(m[1] as string, { path: url.pathname, query: url.searchParams, status: "none" });
  }
  for (const m of traffic.matchAll(/^HTTP response \[#(\d+)\] \((\d{3})/gm)) {
    const exchange = byNumber.get(m[1] as string);
    if (exchange) exchange.status = m[2] as string;
  }
  return [...byNumber.values()];
}

function judge(job: Job, output: string, traffic: string, seconds: number, timedOut: boolean) {
  const all = exchanges(traffic);
  const lines = stripVTControlCharacters(output).split("\n");
  const findings = lines.filter(
    (line) => FINDING.test(line) && !NEGATIVE.test(line) && !OTHER_CLASS.test(line),
  );
  const notes = lines
    .filter((line) => OTHER_CLASS.test(line) || /too long/.test(line))
    .map((line) => line.trim().replace(/^\[[\d:]+\] /, ""));
  const runProblems: string[] = [];
  if (timedOut) runProblems.push(`sqlmap did not finish within ${JOB_TIMEOUT_MS / 1000} s`);
  for (const line of lines.filter((l) => l.includes("[CRITICAL]"))) runProblems.push(line.trim());
  if (
    findings.length === 0 &&
    !output.includes("all tested parameters do not appear to be injectable")
  ) {
    runProblems.push('no "all tested parameters do not appear to be injectable" line');
  }
  const baseline = all[0]?.status ?? "nothing";
  if (!baseline.startsWith("2")) runProblems.push(`the unaltered request answered ${baseline}`);
  return job.targets.map((target): Result => {
    const attacked = all.filter((x) =>
      target.location === "path"
        ? x.path !== target.baseline
        : x.query.get(target.key) !== target.baseline,
    );
    const statuses: Record<string, number> = {};
    for (const { status } of attacked) statuses[status] = (statuses[status] ?? 0) + 1;
    const reasons = [...runProblems];
    const mine = findings.filter((line) => line.includes(`'${target.label}'`));
    // A finding that names no parameter ("identified the following injection point(s)") counts
    // against all of them when no line says which one it was.
    const named = findings.some((line) => job.targets.some((t) => line.includes(`'${t.label}'`)));
    const unnamed = named
      ? []
      : findings.filter((line) => !job.targets.some((t) => line.includes(`'${t.label}'`)));
    if (
      !lines.some((l) => l.includes(`parameter '${target.label}' does not seem to be injectable`))
    ) {
      reasons.push(`no "parameter '${target.label}' does not seem to be injectable" line`);
    }
    if (attacked.length < MIN_REQUESTS)
      reasons.push(`only ${attacked.length} requests attacked it`);
    const errors = attacked.filter((x) => x.status.startsWith("5")).length;
    if (errors > 0) reasons.push(`${errors} responses were 5xx`);
    if (statuses["429"]) reasons.push(`${statuses["429"]} responses were 429 (rate limited)`);
    const positive = [...mine, ...unnamed].map((line) => line.trim());
    return {
      endpoint: job.endpoint,
      parameter: target.name,
      location: target.location,
      identity: job.identity,
      url: job.url,
      requests: attacked.length,
      statuses,
      seconds,
      verdict:
        positive.length > 0 ? "INJECTABLE" : reasons.length > 0 ? "NOT TESTED" : "not injectable",
      reasons: [...positive, ...reasons],
      notes: [...new Set(notes)],
    };
  });
}

const SQLMAP_OPTIONS = [
  "--batch",
  "--dbms=PostgreSQL",
  `--level=${LEVEL}`,
  `--risk=${RISK}`,
  "--flush-session",
  "--skip-waf",
  "--disable-coloring",
  "--timeout=10",
  "--retries=1",
  // After a finding, go on with the run's other parameters instead of stopping there.
  "--answers=keep testing=Y",
];

async function runJob(job: Job, index: number): Promise<Result[]> {
  const dir = join(work, `run-${String(index).padStart(3, "0")}`);
  mkdirSync(dir, { recursive: true });
  const trafficFile = join(dir, "traffic.txt");
  const args = [
    "-u",
    job.url,
    ...job.args,
    ...SQLMAP_OPTIONS,
    `--output-dir=${join(dir, "out")}`,
    "-t",
    trafficFile,
  ];
  const jobStarted = Date.now();
  const child: ChildProcess = spawn("sqlmap", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, JOB_TIMEOUT_MS);
  await once(child, "close");
  clearTimeout(timer);
  writeFileSync(join(dir, "sqlmap.log"), `sqlmap ${args.join(" ")}\n\n${output}`);
  let traffic = "";
  try {
    traffic = readFileSync(trafficFile, "utf8");
  } catch {
    // No traffic file: judged as no requests.
  }
  const seconds = Math.round((Date.now() - jobStarted) / 100) / 10;
  return judge(job, output, traffic, seconds, timedOut);
}

async function runAll(jobs: Job[]): Promise<Result[]> {
  const results: Result[][] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index] as Job;
      if (Date.now() - started > BUDGET_MS) {
        results[index] = judge(job, "", "", 0, false).map((r) => ({
          ...r,
          verdict: "NOT TESTED",
          reasons: [`not started: the ${BUDGET_MS / 1000} s budget was spent`],
        }));
        continue;
      }
      const done = await runJob(job, index);
      results[index] = done;
      const names = done.map(
        (r) => `${r.parameter}${r.verdict === "not injectable" ? "" : ` ${r.verdict}`}`,
      );
      console.log(
        `  ${job.endpoint} as ${job.identity}: ${names.join(", ")} (${done[0]?.seconds ?? 0} s)`,
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results.flat();
}

function printTable(results: Result[]): void {
  const rows = results.map((r) => [
    r.endpoint,
    `${r.parameter} (${r.location})`,
    r.identity,
    String(r.requests),
    Object.entries(r.statuses)
      .map(([code, count]) => `${code}×${count}`)
      .join(" "),
    r.verdict,
  ]);
  const header = ["endpoint", "parameter", "as", "requests", "statuses", "result"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] as string).length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
  for (const r of results.filter((x) => x.verdict !== "not injectable")) {
    console.log(
      `\n${r.verdict}: ${r.endpoint} ${r.parameter} (${r.identity})\n  ${r.reasons.join("\n  ")}`,
    );
  }
}

function writeReport(report: Record<string, unknown>): void {
  mkdirSync(dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
}

/** 5xx responses and error lines in the API's own log, whichever request caused them. */
function serverErrors(server: Spawned): string[] {
  return server
    .output()
    .split("\n")
    .filter((line) => /"statusCode":5\d\d|"level":(50|60)/.test(line))
    .map((line) => line.slice(0, 500));
}

async function main(): Promise<number> {
  const version = execFileSync("sqlmap", ["--version"], { encoding: "utf8" })
    .split("\n")[0]
    ?.trim();
  console.log(
    `sqlmap ${version}; level ${LEVEL}, risk ${RISK}, ${CONCURRENCY} at a time; work dir ${work}`,
  );
  await dropDatabase();
  await adminSql((sql) => sql.unsafe(`create database "${DB_NAME}"`));
  let server: (Spawned & { url: string }) | undefined;
  try {
    await cli(["db:seed", "--recipes", "60"]);
    await Promise.all([
      cli(["user:create", "--email", "sqlmap-user@example.com", "--password-stdin"], password),
      cli(
        [
          "user:create",
          "--email",
          "sqlmap-admin@example.com",
          "--role",
          "admin",
          "--password-stdin",
        ],
        password,
      ),
    ]);
    server = await startServer(env);
    const seeded = await seed(server.url);
    const { jobs, problems, skipped } = await plan(server.url, seeded);
    const setupSeconds = Math.round((Date.now() - started) / 1000);
    console.log(`set up in ${setupSeconds} s; ${jobs.length} sqlmap runs`);
    const results = await runAll(jobs);
    const errors = serverErrors(server);
    const totalSeconds = Math.round((Date.now() - started) / 1000);
    console.log("");
    printTable(results);
    for (const problem of problems) console.log(`\nNOT TESTED: ${problem}`);
    for (const reason of skipped) console.log(`\nNO BASELINE (skipped): ${reason}`);
    if (errors.length > 0)
      console.log(
        `\nAPI log has ${errors.length} 5xx/error lines:\n${errors.slice(0, 5).join("\n")}`,
      );
    const injectable = results.filter((r) => r.verdict === "INJECTABLE").length;
    const untested = results.filter((r) => r.verdict === "NOT TESTED").length + problems.length;
    // One test per parameter and identity, one per thing that could not be tested, one for the log.
    const total = results.length + problems.length + 1;
    const passed =
      results.filter((r) => r.verdict === "not injectable").length + (errors.length === 0 ? 1 : 0);
    const failed = total - passed;
    const parameters = new Set(results.map((r) => `${r.endpoint} ${r.parameter}`)).size;
    const requests = results.reduce((sum, r) => sum + r.requests, 0);
    writeReport({
      sqlmap: version,
      options: SQLMAP_OPTIONS,
      concurrency: CONCURRENCY,
      at: new Date().toISOString(),
      seconds: totalSeconds,
      setupSeconds,
      parameters,
      checks: results.length,
      runs: jobs.length,
      requests,
      injectable,
      notTested: untested,
      serverErrors: errors.length,
      problems,
      skipped,
      results,
      numTotalTests: total,
      numPassedTests: passed,
      numFailedTests: failed,
    });
    console.log(
      `\n${parameters} parameters, ${results.length} parameter × identity checks in ${jobs.length} sqlmap runs (${requests} attacking requests): ${injectable} injectable, ${untested} not tested, ${errors.length} API error lines; ${totalSeconds} s`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    if (server) {
      writeFileSync(join(work, "server.log"), server.output());
      server.child.kill("SIGTERM");
      const killer = setTimeout(() => server?.child.kill("SIGKILL"), 15_000);
      await server.exited;
      clearTimeout(killer);
    }
    await dropDatabase();
  }
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  writeReport({
    at: new Date().toISOString(),
    error: String(error instanceof Error ? error.message : error),
    numTotalTests: 1,
    numPassedTests: 0,
    numFailedTests: 1,
  });
}
if (process.env.SQLMAP_KEEP === "1" || code !== 0) console.log(`sqlmap logs kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
process.exit(code);
