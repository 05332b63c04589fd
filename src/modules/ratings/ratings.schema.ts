import { z } from "zod";
import { PageQuerySchema, pageSchema } from "../../lib/pagination.ts";

export const RateBody = z
  .object({
    stars: z.number().int().min(1).max(5),
    comment: z.string().trim().max(2_000).nullable().default(null),
  })
  .meta({
    id: "Rate",
    description: "Your rating; it replaces the one you gave before",
    example: { stars: 5, comment: "Made it twice this week." },
  });
export type RateInput = z.output<typeof RateBody>;

export const RatingSchema = z
  .object({
    recipeId: z.uuid(),
    user: z.object({ id: z.uuid(), name: z.string() }),
    stars: z.number().int(),
    comment: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Rating" });
export type Rating = z.infer<typeof RatingSchema>;

export const RatingPageSchema = pageSchema(RatingSchema);
export const ListRatingsQuery = PageQuerySchema;
