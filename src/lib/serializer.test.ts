import fastJson from "fast-json-stringify";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { nullableAsTypes } from "./serializer.ts";

describe("nullableAsTypes", () => {
  it("turns a nullable branch pair into a type list, keeping the rest of the schema", () => {
    const schema = z.object({
      unit: z.enum(["g", "kg"]).nullable(),
      note: z.string().nullable().describe("free text"),
      either: z.union([z.string(), z.number()]),
    });
    const json = z.toJSONSchema(schema, { io: "output", target: "draft-7" });
    const converted = nullableAsTypes(json) as { properties: Record<string, unknown> };
    expect(converted.properties.unit).toEqual({ type: ["string", "null"], enum: ["g", "kg"] });
    expect(converted.properties.either).toEqual(
      (json as { properties: Record<string, unknown> }).properties.either,
    );
    const serialize = fastJson(converted as Parameters<typeof fastJson>[0]);
    for (const value of [
      { unit: "g", note: null, either: 1 },
      { unit: null, note: 'a "quoted" note', either: "x" },
    ]) {
      expect(JSON.parse(serialize(value))).toEqual(value);
    }
  });
});
