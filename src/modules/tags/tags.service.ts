import { z } from "zod";
import { decodeOptionalCursor, type Page, type PageQuery, toPage } from "../../lib/pagination.ts";
import type { TagsRepository } from "./tags.repository.ts";

const TagCursor = z.tuple([z.number().int().min(0), z.string().max(40)]);

export type TagCount = { name: string; count: number };

export function createTagsService({ tagsRepository }: { tagsRepository: TagsRepository }) {
  return {
    async list(page: PageQuery): Promise<Page<TagCount>> {
      const after = decodeOptionalCursor(page.cursor, TagCursor);
      const rows = await tagsRepository.list(after, page.limit);
      return toPage(rows, page.limit, (row) => [row.count, row.name]);
    },
  };
}

export type TagsService = ReturnType<typeof createTagsService>;
