import { z } from "zod";
import { UNITS } from "../recipes/units.ts";

export const ShoppingListBody = z
  .object({
    recipes: z
      .array(
        z.object({
          id: z.uuid(),
          servings: z.number().int().min(1).max(100).optional().describe("Default: the recipe's"),
        }),
      )
      .min(1)
      .max(50),
  })
  .meta({
    id: "ShoppingListRequest",
    description: "The recipes to shop for, each at its own servings or the recipe's",
    example: { recipes: [{ id: "0193c1d2-7e4a-7c3b-9f10-2a4b6c8d0e1f", servings: 6 }] },
  });
export type ShoppingListInput = z.output<typeof ShoppingListBody>;

export const ShoppingListSchema = z
  .object({
    items: z.array(
      z.object({
        name: z.string(),
        quantity: z.number().nullable().describe("null: to taste"),
        unit: z.enum(UNITS).nullable(),
      }),
    ),
  })
  .meta({ id: "ShoppingList" });
export type ShoppingList = z.infer<typeof ShoppingListSchema>;
