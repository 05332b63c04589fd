import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "../../test/helpers/app.ts";

let ctx: TestContext;
let bodyLimit: number;

beforeAll(async () => {
  ctx = await createTestApp();
  bodyLimit = ctx.deps.config.http.bodyLimit;
});
afterAll(() => ctx.close());

// Answers the same whatever other tests stored in the worker's database.
const QUERY = "{ __typename }";
const REQUEST = JSON.stringify({ query: QUERY });

const post = (headers: Record<string, string>, payload?: string | Buffer) =>
  ctx.app.inject({ method: "POST", url: "/graphql", headers, payload });

/** A GraphQL answer without `data` whose one error carries the status and code given. */
function expectRefusal(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
  const body = response.json();
  expect(body).not.toHaveProperty("data");
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0].extensions).toMatchObject({ code, status });
}

function expectData(response: LightMyRequestResponse) {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json()).toEqual({ data: { __typename: "Query" } });
}

describe("POST /graphql with a body that is not JSON", () => {
  it.each([
    ["text/plain", REQUEST],
    ["application/x-www-form-urlencoded", `query=${encodeURIComponent(QUERY)}`],
    [
      "multipart/form-data; boundary=X",
      `--X\r\ncontent-disposition: form-data; name="query"\r\n\r\n${QUERY}\r\n--X--\r\n`,
    ],
    // express-graphql's raw document: GraphQL-over-HTTP makes JSON the one body every server reads.
    ["application/graphql", QUERY],
    // A response type, not a request type.
    ["application/graphql-response+json", REQUEST],
    ["application/vnd.api+json", REQUEST],
    ["application/octet-stream", REQUEST],
    ["", REQUEST],
  ])("answers 415 for %j", async (contentType, payload) => {
    expectRefusal(
      await post({ "content-type": contentType }, payload),
      415,
      "unsupported_media_type",
    );
  });

  it("answers 415 for a body without a content type", async () => {
    expectRefusal(await post({}, REQUEST), 415, "unsupported_media_type");
  });
});

describe("POST /graphql with an application/json body", () => {
  it.each([
    "application/json",
    "application/json; charset=utf-8",
    'application/json; charset="UTF-8"',
    "APPLICATION/JSON;",
    // RFC 8259 §11: application/json has no charset parameter; the body is read as UTF-8.
    "application/json; charset=iso-8859-1",
  ])("runs the query for %j", async (contentType) => {
    expectData(await post({ "content-type": contentType }, REQUEST));
  });

  it("answers 400 invalid_json for a body in UTF-16, whatever its charset says", async () => {
    const utf16 = Buffer.from(REQUEST, "utf16le");
    const headers = { "content-type": "application/json; charset=utf-16le" };
    expectRefusal(await post(headers, utf16), 400, "invalid_json");
  });

  it.each([
    ["an empty body", "", "invalid_json"],
    ["JSON null", "null", "validation_failed"],
    ["a JSON string", JSON.stringify(QUERY), "validation_failed"],
    ["a JSON array", `[${REQUEST}]`, "batched_queries_not_supported"],
    ["an empty JSON array", "[]", "batched_queries_not_supported"],
    ["an object without a query", '{"variables":{}}', "validation_failed"],
  ])("answers 400 for %s", async (_what, payload, code) => {
    expectRefusal(await post({ "content-type": "application/json" }, payload), 400, code);
  });

  it("answers 400 for no body and no content type", async () => {
    expectRefusal(await post({}), 400, "validation_failed");
  });

  it("reads a body of exactly the body limit, and refuses one byte more with 413", async () => {
    const padded = (bytes: number) => `{"query":"${QUERY}"${" ".repeat(bytes - REQUEST.length)}}`;
    expect(Buffer.byteLength(padded(bodyLimit))).toBe(bodyLimit);

    // Read and parsed; the document is small, so the query runs.
    expectData(await post({ "content-type": "application/json" }, padded(bodyLimit)));
    const over = await post({ "content-type": "application/json" }, padded(bodyLimit + 1));
    expectRefusal(over, 413, "body_too_large");
  });

  it("refuses a 1 MiB document as too large a document, before parsing it", async () => {
    const document = `${QUERY}${" ".repeat(1024 * 1024 - 64)}`;
    const response = await post(
      { "content-type": "application/json" },
      JSON.stringify({ query: document }),
    );
    expectRefusal(response, 400, "document_too_large");
  });
});

describe("GraphQL answers and the Accept header", () => {
  const GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8";

  it.each([
    [undefined, "application/json; charset=utf-8"],
    ["*/*", "application/json; charset=utf-8"],
    ["text/html", "application/json; charset=utf-8"],
    ["application/graphql-response+json", GRAPHQL_RESPONSE],
    ["application/graphql-response+json, application/json", GRAPHQL_RESPONSE],
  ])("Accept %j answers %s, with Vary: Accept", async (accept, type) => {
    const headers = { "content-type": "application/json", ...(accept ? { accept } : {}) };
    const response = await post(headers, REQUEST);

    expectData(response);
    expect(response.headers["content-type"]).toBe(type);
    expect(response.headers.vary).toMatch(/\bAccept\b/);
  });

  it("gives every kind of answer the type, with the same status and body", async () => {
    const accept = "application/graphql-response+json";
    const answers = await Promise.all([
      post(
        { "content-type": "application/json", accept },
        JSON.stringify({ query: "{ me { id } }" }),
      ),
      post({ "content-type": "application/json", accept }, JSON.stringify({ query: "{" })),
      post({ "content-type": "text/plain", accept }, REQUEST),
      post({ "content-type": "application/json", accept, authorization: "Bearer x.y.z" }, REQUEST),
      ctx.app.inject({
        method: "GET",
        url: `/graphql?query=${encodeURIComponent("mutation { requestExport { id } }")}`,
        headers: { accept },
      }),
    ]);

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 400, 415, 401, 405]);
    for (const answer of answers) {
      expect(answer.headers["content-type"]).toBe(GRAPHQL_RESPONSE);
      expect(answer.json().errors[0].extensions.status).toBe(
        answer.statusCode === 200 ? 401 : answer.statusCode,
      );
    }
    expect(answers[0]?.json().data).toEqual({ me: null });
  });
});
