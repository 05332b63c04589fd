import { describe, expect, it } from "vitest";
import { GRAPHQL_RESPONSE_TYPE, JSON_TYPE, responseMediaType } from "./media-type.ts";

describe("responseMediaType", () => {
  it.each([
    [undefined, JSON_TYPE],
    ["", JSON_TYPE],
    ["*/*", JSON_TYPE],
    ["application/*", JSON_TYPE],
    ["application/json", JSON_TYPE],
    [GRAPHQL_RESPONSE_TYPE, GRAPHQL_RESPONSE_TYPE],
    ["Application/GraphQL-Response+JSON; charset=utf-8", GRAPHQL_RESPONSE_TYPE],
    // GraphQL-over-HTTP's recommended header for clients: the first one listed is preferred.
    [
      `${GRAPHQL_RESPONSE_TYPE}; charset=utf-8, application/json; charset=utf-8`,
      GRAPHQL_RESPONSE_TYPE,
    ],
    [`application/json, ${GRAPHQL_RESPONSE_TYPE}`, JSON_TYPE],
    [`application/json;q=0.5, ${GRAPHQL_RESPONSE_TYPE};q=0.9`, GRAPHQL_RESPONSE_TYPE],
    [`${GRAPHQL_RESPONSE_TYPE};q=0.5, application/json`, JSON_TYPE],
    // Named beats a wildcard of the same weight, and a refusal (q=0) is honoured.
    [`*/*, ${GRAPHQL_RESPONSE_TYPE}`, GRAPHQL_RESPONSE_TYPE],
    ["application/json;q=0, */*", GRAPHQL_RESPONSE_TYPE],
    [`${GRAPHQL_RESPONSE_TYPE};q=0, */*`, JSON_TYPE],
    // Nothing we serve, or nonsense: the Accept header is disregarded.
    ["text/html", JSON_TYPE],
    ["application/xml;q=1, application/json;q=0", JSON_TYPE],
    ["nonsense, ;;;, /, application/json;q=abc", JSON_TYPE],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON_TYPE],
  ])("Accept %j answers %s", (accept, expected) => {
    expect(responseMediaType(accept)).toBe(expected);
  });
});
