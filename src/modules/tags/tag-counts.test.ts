import { describe, expect, it } from "vitest";
import { tagCountChanges } from "./tag-counts.ts";

const pub = (...tags: string[]) => ({ tags, visibility: "public" as const });
const priv = (...tags: string[]) => ({ tags, visibility: "private" as const });

describe("tagCountChanges", () => {
  it("counts a created or deleted public recipe's tags", () => {
    expect(tagCountChanges(null, pub("b", "a"))).toEqual([
      { tag: "a", delta: 1 },
      { tag: "b", delta: 1 },
    ]);
    expect(tagCountChanges(pub("a"), null)).toEqual([{ tag: "a", delta: -1 }]);
  });

  it("ignores private recipes", () => {
    expect(tagCountChanges(null, priv("a"))).toEqual([]);
    expect(tagCountChanges(priv("a"), priv("b"))).toEqual([]);
  });

  it("changes only what changed", () => {
    expect(tagCountChanges(pub("a", "b"), pub("b", "c"))).toEqual([
      { tag: "a", delta: -1 },
      { tag: "c", delta: 1 },
    ]);
    expect(tagCountChanges(pub("a"), priv("a"))).toEqual([{ tag: "a", delta: -1 }]);
    expect(tagCountChanges(priv("a"), pub("a"))).toEqual([{ tag: "a", delta: 1 }]);
  });
});
