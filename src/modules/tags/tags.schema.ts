import { z } from "zod";
import { pageSchema } from "../../lib/pagination.ts";

export const TagSchema = z
  .object({ name: z.string(), count: z.number().int().describe("Public recipes with it") })
  .meta({ id: "Tag" });
export const TagPageSchema = pageSchema(TagSchema);
