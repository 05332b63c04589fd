import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BadRequestError } from "./errors.ts";
import {
  allRows,
  decodeCursor,
  decodeOptionalCursor,
  encodeCursor,
  PageQuerySchema,
  pageSchema,
  toPage,
} from "./pagination.ts";

const KeySchema = z.tuple([z.string(), z.number()]);

describe("cursor encoding", () => {
  it("round-trips any key through an opaque url-safe string", () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), (s, n) => {
        const cursor = encodeCursor([s, n]);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decodeCursor(cursor, KeySchema)).toEqual([s, Object.is(n, -0) ? 0 : n]);
      }),
    );
  });

  it.each([
    ["not base64 json", "%%%"],
    ["valid base64 of garbage", Buffer.from("{oops").toString("base64url")],
    ["the wrong shape", encodeCursor({ id: 1 })],
  ])("rejects %s with 400 invalid_cursor", (_label, cursor) => {
    const decode = () => decodeCursor(cursor, KeySchema);
    expect(decode).toThrow(BadRequestError);
    expect(decode).toThrow(expect.objectContaining({ code: "invalid_cursor", status: 400 }));
  });

  it("leaves a missing cursor undefined", () => {
    expect(decodeOptionalCursor(undefined, KeySchema)).toBeUndefined();
  });
});

describe("PageQuerySchema", () => {
  it("defaults limit to 20 and coerces strings", () => {
    expect(PageQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(PageQuerySchema.parse({ limit: "100" }).limit).toBe(100);
  });

  it.each(["0", "101", "1.5", "x"])("rejects limit=%s", (limit) => {
    expect(PageQuerySchema.safeParse({ limit }).success).toBe(false);
  });

  it("rejects a cursor with characters base64url never contains", () => {
    expect(PageQuerySchema.safeParse({ cursor: "a b" }).success).toBe(false);
  });
});

describe("toPage", () => {
  const rows = [1, 2, 3, 4].map((n) => ({ id: `r${n}`, n }));

  it("keeps limit rows and points the cursor at the last one when more exist", () => {
    const page = toPage(rows, 3, (row) => [row.id, row.n]);
    expect(page.items.map((row) => row.id)).toEqual(["r1", "r2", "r3"]);
    expect(decodeCursor(page.nextCursor as string, KeySchema)).toEqual(["r3", 3]);
  });

  it("has no next cursor on the last page and maps items", () => {
    const page = toPage(
      rows,
      4,
      (row) => row.id,
      (row) => row.n,
    );
    expect(page).toEqual({ items: [1, 2, 3, 4], nextCursor: null });
  });

  it("describes the response shape", () => {
    const schema = pageSchema(z.object({ id: z.string() }));
    expect(schema.parse({ items: [{ id: "a" }], nextCursor: null }).items).toHaveLength(1);
  });
});

describe("allRows", () => {
  it("reads every row a page at a time, resuming after the last key", async () => {
    const source = Array.from({ length: 250 }, (_, i) => ({ id: String(i).padStart(3, "0") }));
    const calls: (string | undefined)[] = [];
    const rows = [];
    for await (const row of allRows(
      async (after, limit) => {
        calls.push(after);
        return source.filter((r) => after === undefined || r.id > after).slice(0, limit);
      },
      (row) => row.id,
    )) {
      rows.push(row);
    }
    expect(rows).toEqual(source);
    expect(calls).toEqual([undefined, "099", "199"]);
  });
});
