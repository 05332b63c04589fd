import { describe, expect, it } from "vitest";
import { malformedText } from "./well-formed-text.ts";

describe("malformedText", () => {
  it("passes well-formed text: pairs, emoji, RTL marks, U+FFFD, non-strings", () => {
    const body = {
      title: "\u202Eabc \uD83D\uDE00 \uFFFD",
      servings: 2,
      steps: ["À", ""],
      nested: [{ note: null, flag: true }],
    };
    expect(malformedText(body, "body")).toEqual([]);
    expect(malformedText(undefined, "body")).toEqual([]);
    expect(malformedText("plain", "body")).toEqual([]);
  });

  it("names each field with a lone surrogate, high or low, at any depth", () => {
    const body = {
      title: "\uD800",
      steps: ["ok", "À\udc00"],
      ingredients: [{ name: "Salt", note: "x\uDBFFy" }],
    };
    expect(malformedText(body, "body")).toEqual([
      { path: "body.title", message: expect.stringContaining("lone surrogate") },
      { path: "body.steps.1", message: expect.any(String) },
      { path: "body.ingredients.0.note", message: expect.any(String) },
    ]);
  });

  it("names an object whose property name has a lone surrogate", () => {
    expect(malformedText({ extra: { "k\udc00": 1 } }, "body")).toEqual([
      { path: "body.extra", message: expect.stringContaining("property name") },
    ]);
  });

  it("checks a top-level string and a query's repeated values", () => {
    expect(malformedText("\udc00", "body")).toEqual([
      { path: "body", message: expect.any(String) },
    ]);
    expect(malformedText({ tag: ["a", "\ud800"] }, "querystring")).toEqual([
      { path: "querystring.tag.1", message: expect.any(String) },
    ]);
  });

  it("reports at most ten places", () => {
    expect(malformedText(Array(50).fill("\udc00"), "body")).toHaveLength(10);
  });

  it("walks nesting deeper than the call stack", () => {
    const depth = 200_000;
    const parsed = JSON.parse(`${"[".repeat(depth)}"\\udc00"${"]".repeat(depth)}`);
    const [found] = malformedText(parsed, "body");
    expect(found?.path).toBe(`body${".0".repeat(depth)}`);
  });
});
