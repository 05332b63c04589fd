import { and, asc, desc, gt, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { tagCounts } from "./tags.table.ts";

export function createTagsRepository(db: Db) {
  return {
    /** Tags of public recipes, most used first, then by name; `after` is the last [count, name]. */
    async list(after: [number, string] | undefined, limit: number) {
      const keyset = after
        ? sql`(${tagCounts.publicCount} < ${after[0]}
            or (${tagCounts.publicCount} = ${after[0]} and ${tagCounts.tag} > ${after[1]}))`
        : undefined;
      return db
        .select({ name: tagCounts.tag, count: tagCounts.publicCount })
        .from(tagCounts)
        .where(and(gt(tagCounts.publicCount, 0), keyset))
        .orderBy(desc(tagCounts.publicCount), asc(tagCounts.tag))
        .limit(limit + 1);
    },
  };
}

export type TagsRepository = ReturnType<typeof createTagsRepository>;
