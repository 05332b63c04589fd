import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { __factoryImports__ } from "../../../test/factories/__module__.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
// gen:each patchFactoryImport
import { createProject } from "../../../test/factories/projects.ts";
// gen:end
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { __names__ } from "./__module__.table.ts";

// The module through its GraphQL door (__module__.graphql.ts): the same service, so the same
// answers and the same refusals as REST, with REST's problem code in `extensions.code`.

let ctx: TestContext;
let alice: FactoryUser;
// gen:if owned
let bob: FactoryUser;
// gen:end
const anonymous = { headers: {} };

const FIELDS = "__graphqlFields__";

type GqlError = { message: string; path?: string[]; extensions: Record<string, unknown> };
type Answer = { data?: Record<string, unknown> | null; errors?: GqlError[] };

async function signUp(): Promise<FactoryUser> {
  const { user, accessToken } = await createUser(ctx);
  return { id: user.id, name: user.name, role: user.role, headers: bearer(accessToken) };
}

/** Field errors answer 200 with `data`; anything else here is a broken request. */
async function gql(
  user: { headers: Record<string, string> },
  query: string,
  variables?: object,
): Promise<Answer> {
  const response = await ctx.app.inject({
    method: "POST",
    url: "/graphql",
    headers: user.headers,
    payload: { query, variables },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const rest = (user: { headers: Record<string, string> }, url: string) =>
  ctx.app.inject({ method: "GET", url, headers: user.headers });

const errorOf = (answer: Answer) => answer.errors?.[0]?.extensions;

const UPDATE = `mutation ($id: ID!, $input: Update__Name__Input!, $version: Int) {
  update__Name__(id: $id, input: $input, expectedVersion: $version) { ${FIELDS} }
}`;

beforeAll(async () => {
  ctx = await createTestApp();
  alice = await signUp();
  // gen:if owned
  bob = await signUp();
  // gen:end
});
afterAll(() => ctx.close());
beforeEach(async () => {
  await ctx.deps.db.delete(__names__);
});

describe("GraphQL __names__ and __name__", () => {
  it("answers what GET /api/__module__ and GET /api/__module__/:id answer", async () => {
    const created = await create__Name__(ctx, alice);
    const answer = await gql(
      alice,
      `query ($id: ID!) {
        __names__(first: 10) { items { ${FIELDS} } nextCursor }
        __name__(id: $id) { ${FIELDS} }
      }`,
      { id: created.id },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.__names__).toEqual((await rest(alice, "/api/__module__?limit=10")).json());
    expect(answer.data?.__name__).toEqual(created);
  });
  // gen:if private

  it("needs a signed-in caller, and hides someone else's __label__ like REST", async () => {
    const created = await create__Name__(ctx, alice);
    const read = `query ($id: ID!) { __name__(id: $id) { id } }`;
    const nobody = await gql(anonymous, read, { id: created.id });
    expect(errorOf(nobody)).toMatchObject({ code: "unauthorized", status: 401 });
    const other = await gql(bob, read, { id: created.id });
    expect(other.data).toEqual({ __name__: null });
    expect(errorOf(other)).toMatchObject({ code: "__code___not_found", status: 404 });
  });
  // gen:end
  // gen:if public

  it("is readable without signing in", async () => {
    const created = await create__Name__(ctx, alice);
    const answer = await gql(anonymous, `query ($id: ID!) { __name__(id: $id) { id } }`, {
      id: created.id,
    });
    expect(answer.data?.__name__).toEqual({ id: created.id });
  });
  // gen:end
  // gen:if filterTest

  it("filters by __filterField__", async () => {
    const match = await create__Name__(ctx, alice, __filterMatch__);
    await create__Name__(ctx, alice, __filterOther__);
    const answer = await gql(alice, `{ __names__(__filterArgs__) { items { id } } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.__names__).toEqual({ items: [{ id: match.id }] });
  });
  // gen:end
});

describe("GraphQL create__Name__, update__Name__ and delete__Name__", () => {
  it("creates a __label__ as POST /api/__module__ does", async () => {
    // gen:if refs
    const body = await __name__Body(ctx, alice);
    // gen:end
    // gen:if !refs
    const body = __name__Body();
    // gen:end
    const create = `mutation ($input: Create__Name__Input!) { create__Name__(input: $input) { ${FIELDS} } }`;
    const answer = await gql(alice, create, { input: body });
    expect(answer.errors).toBeUndefined();
    const created = answer.data?.create__Name__ as { id: string };
    expect(created).toMatchObject({ ...body, version: 1 });
    expect((await rest(alice, `/api/__module__/${created.id}`)).json()).toEqual(created);

    const nobody = await gql(anonymous, create, { input: body });
    expect(nobody.data).toEqual({ create__Name__: null });
    expect(errorOf(nobody)).toMatchObject({ code: "unauthorized", status: 401 });
    expect(await ctx.deps.db.select().from(__names__)).toHaveLength(1);
  });

  it("updates with expectedVersion; a stale one is version_mismatch and changes nothing", async () => {
    const created = await create__Name__(ctx, alice);
    const change = __patchBody__;
    const updated = await gql(alice, UPDATE, { id: created.id, input: change, version: 1 });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.update__Name__).toMatchObject({ ...change, version: 2 });

    const stale = await gql(alice, UPDATE, { id: created.id, input: change, version: 1 });
    expect(stale.data).toEqual({ update__Name__: null });
    expect(errorOf(stale)).toMatchObject({ code: "version_mismatch", status: 412 });
    expect((await rest(alice, `/api/__module__/${created.id}`)).json().version).toBe(2);
  });

  it("refuses an empty change with the path of the input", async () => {
    const created = await create__Name__(ctx, alice);
    const answer = await gql(alice, UPDATE, { id: created.id, input: {} });
    expect(errorOf(answer)).toMatchObject({
      code: "validation_failed",
      errors: [{ path: "input", message: "send at least one field" }],
    });
  });

  it("refuses __refusal__ as REST does, and leaves the row as it was", async () => {
    const created = await create__Name__(ctx, alice);
    const answer = await gql(__refusalCaller__, UPDATE, { id: created.id, input: __patchBody__ });
    expect(answer.data).toEqual({ update__Name__: null });
    expect(errorOf(answer)).toMatchObject({ code: "__refusalCode__", status: __refusalStatus__ });
    const [row] = await ctx.deps.db.select().from(__names__).where(eq(__names__.id, created.id));
    expect(row?.version).toBe(1);
    expect((await rest(alice, `/api/__module__/${created.id}`)).json()).toEqual(created);
  });

  it("deletes with delete__Name__, and answers __code___not_found for an id that does not exist", async () => {
    const created = await create__Name__(ctx, alice);
    const remove = `mutation ($id: ID!) { delete__Name__(id: $id, expectedVersion: 1) }`;
    expect(await gql(alice, remove, { id: created.id })).toEqual({ data: { delete__Name__: true } });
    expect(await ctx.deps.db.select().from(__names__)).toEqual([]);
    const missing = await gql(alice, remove, { id: randomUUID() });
    expect(errorOf(missing)).toMatchObject({ code: "__code___not_found", status: 404 });
  });
});
