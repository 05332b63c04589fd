// Not a test of this project: gen.slow.test.ts copies it into a copy of the project, beside the
// modules it generated there (listed in GEN_MODULES), as test/gen/access.generated.test.ts. It
// checks who may do what with each module from outside the tests `gen` wrote for it, through
// REST and through GraphQL.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Access } from "../../scripts/gen/plan.ts";
import { bearer, createUser } from "../factories/users.ts";
import { createTestApp, type TestContext } from "../helpers/app.ts";
import { drainQueue } from "../helpers/queue.ts";
import type { GeneratedModule } from "./support.ts";

type Caller = "creator" | "other" | "admin" | "anonymous";
type Outcome = { read: number; list: number | "shown" | "hidden"; update: number; remove: number };

const OWNER: Outcome = { read: 200, list: "shown", update: 200, remove: 204 };
const SIGN_IN: Outcome = { read: 401, list: 401, update: 401, remove: 401 };
const READ_ONLY: Outcome = { read: 200, list: "shown", update: 401, remove: 401 };
/** What each caller gets for a row the creator made. */
const EXPECTED: Record<Access, Record<Caller, Outcome>> = {
  private: {
    creator: OWNER,
    other: { read: 404, list: "hidden", update: 404, remove: 404 },
    // Admins reach any row by id; lists show the caller's own rows, admins' too.
    admin: { ...OWNER, list: "hidden" },
    anonymous: SIGN_IN,
  },
  "public-read": {
    creator: OWNER,
    other: { read: 200, list: "shown", update: 403, remove: 403 },
    admin: OWNER,
    anonymous: READ_ONLY,
  },
  shared: { creator: OWNER, other: OWNER, admin: OWNER, anonymous: READ_ONLY },
};

const modules: GeneratedModule[] = JSON.parse(process.env.GEN_MODULES ?? "[]");
type User = { id: string; name: string; role: "user" | "admin"; headers: Record<string, string> };
type Row = { id: string } & Record<string, unknown>;

let ctx: TestContext;
const users = {} as Record<Exclude<Caller, "anonymous">, User>;

async function signUp(role: User["role"] = "user"): Promise<User & { password: string }> {
  const { user, accessToken, password } = await createUser(ctx, { role });
  return { id: user.id, name: user.name, role, headers: bearer(accessToken), password };
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";
const inject = (headers: Record<string, string>, method: Method, url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers, payload });

/** Creates a row through the module's own test factory, which also creates what it references. */
async function create(generated: GeneratedModule, user: User): Promise<Row> {
  const factory = await import(`../factories/${generated.module}.ts`);
  return factory[`create${generated.Name}`](ctx, user);
}

/** Every field a client writes, with the row's own values: a valid PATCH for any module. */
function writable(row: Row): Record<string, unknown> {
  const { id, ownerId, version, createdAt, updatedAt, ...fields } = row;
  return fields;
}

async function outcome(generated: GeneratedModule, caller: Caller, row: Row): Promise<Outcome> {
  const headers = caller === "anonymous" ? {} : users[caller].headers;
  const url = `/api/${generated.module}/${row.id}`;
  const read = await inject(headers, "GET", url);
  const list = await inject(headers, "GET", `/api/${generated.module}?limit=100`);
  const update = await inject(headers, "PATCH", url, writable(row));
  const remove = await inject(headers, "DELETE", url);
  const items: Row[] = list.statusCode === 200 ? list.json().items : [];
  return {
    read: read.statusCode,
    list:
      list.statusCode !== 200
        ? list.statusCode
        : items.some((item) => item.id === row.id)
          ? "shown"
          : "hidden",
    update: update.statusCode,
    remove: remove.statusCode,
  };
}

/** The same four requests through GraphQL: no error is the REST success, an error its status. */
async function graphqlOutcome(
  generated: GeneratedModule,
  caller: Caller,
  row: Row,
): Promise<Outcome> {
  const headers = caller === "anonymous" ? {} : users[caller].headers;
  const { names, Name } = generated;
  const name = Name.charAt(0).toLowerCase() + Name.slice(1);
  const ask = async (query: string, variables: object) => {
    const response = await inject(headers, "POST", "/graphql", { query, variables });
    const body = response.json();
    const status = body.errors?.[0]?.extensions?.status as number | undefined;
    return { status, data: body.data };
  };
  const id = { id: row.id };
  const read = await ask(`query ($id: ID!) { ${name}(id: $id) { id } }`, id);
  const list = await ask(`{ ${names}(first: 100) { items { id } } }`, {});
  const update = await ask(
    `mutation ($id: ID!, $input: Update${Name}Input!) { update${Name}(id: $id, input: $input) { id } }`,
    { ...id, input: writable(row) },
  );
  const remove = await ask(`mutation ($id: ID!) { delete${Name}(id: $id) }`, id);
  const items: Row[] = list.data?.[names]?.items ?? [];
  return {
    read: read.status ?? 200,
    list: list.status ?? (items.some((item) => item.id === row.id) ? "shown" : "hidden"),
    update: update.status ?? 200,
    remove: remove.status ?? 204,
  };
}

beforeAll(async () => {
  ctx = await createTestApp();
  users.creator = await signUp();
  users.other = await signUp();
  users.admin = await signUp("admin");
});
afterAll(() => ctx.close());

describe.each(modules)("the generated module $module ($access)", (generated) => {
  it.each(["creator", "other", "admin", "anonymous"] as const)(
    "gives %s what the access rules say, and a refused delete deletes nothing",
    async (caller) => {
      const row = await create(generated, users.creator);
      const got = await outcome(generated, caller, row);
      expect(got).toEqual(EXPECTED[generated.access][caller]);
      const after = await inject(
        users.creator.headers,
        "GET",
        `/api/${generated.module}/${row.id}`,
      );
      expect(after.statusCode).toBe(got.remove === 204 ? 404 : 200);
    },
  );

  it.each(["creator", "other", "admin", "anonymous"] as const)(
    "gives %s the same decisions through GraphQL, and a refused delete deletes nothing",
    async (caller) => {
      const row = await create(generated, users.creator);
      const got = await graphqlOutcome(generated, caller, row);
      expect(got).toEqual(EXPECTED[generated.access][caller]);
      const after = await inject(
        users.creator.headers,
        "GET",
        `/api/${generated.module}/${row.id}`,
      );
      expect(after.statusCode).toBe(got.remove === 204 ? 404 : 200);
    },
  );

  it("puts an owner's rows in their data export and deletes them with their account", async () => {
    const owner = await signUp();
    const row = await create(generated, owner);
    const started = await inject(owner.headers, "POST", "/api/me/exports");
    await drainQueue(ctx.deps);
    const status = (
      await inject(owner.headers, "GET", `/api/me/exports/${started.json().id}`)
    ).json();
    const document = (await inject(owner.headers, "GET", status.downloadUrl)).json();
    const service = (ctx.deps as unknown as Record<string, object>)[generated.names];
    if (generated.access === "shared") {
      // No owner: the rows belong to nobody's account.
      expect(document).not.toHaveProperty(generated.names);
      expect(service).not.toHaveProperty("removeAllByOwner");
      return;
    }
    expect(document[generated.names]).toEqual([row]);
    const step = vi.spyOn(
      service as { removeAllByOwner(id: string): Promise<number> },
      "removeAllByOwner",
    );
    try {
      const deleted = await inject(owner.headers, "DELETE", "/api/me", {
        password: owner.password,
      });
      expect(deleted.statusCode).toBe(202);
      await drainQueue(ctx.deps);
      expect(step).toHaveBeenCalledWith(owner.id);
    } finally {
      step.mockRestore();
    }
    const gone = await inject(users.admin.headers, "GET", `/api/${generated.module}/${row.id}`);
    expect(gone.statusCode).toBe(404);
  });
});
