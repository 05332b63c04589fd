import { z } from "zod";
import { UNITS } from "../recipes/units.ts";

export const ShoppingListBody = z.object({
  recipes: z
    .array(
      z.object({
        id: z.uuid(),
        servings: z.number().int().min(1).max(100).optional().describe("Default: the recipe's"),
      }),
    )
    .min(1)
    .max(50),
});
export type ShoppingListInput = z.output<typeof ShoppingListBody>;

export const ShoppingListSchema = z.object({
  items: z.array(
    z.object({
      name: z.string(),
      quantity: z.number().nullable().describe("null: to taste"),
      unit: z.enum(UNITS).nullable(),
    }),
  ),
});
export type ShoppingList = z.infer<typeof ShoppingListSchema>;
