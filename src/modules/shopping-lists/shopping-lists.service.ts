import type { Actor } from "../../lib/actor.ts";
import type { RecipesService } from "../recipes/recipes.service.ts";
import type { Unit } from "../recipes/units.ts";
import { aggregateIngredients, type ListedIngredient } from "./shopping-lists.aggregate.ts";
import type { ShoppingList, ShoppingListInput } from "./shopping-lists.schema.ts";

export function createShoppingListsService({ recipes }: { recipes: RecipesService }) {
  return {
    /** Everything to buy for the given recipes; a recipe the caller may not see is a 404. */
    async build(actor: Actor, input: ShoppingListInput): Promise<ShoppingList> {
      const byId = await recipes.ingredientsOf(
        actor,
        input.recipes.map((recipe) => recipe.id),
      );
      const listed: ListedIngredient[] = input.recipes.flatMap(({ id, servings }) => {
        const recipe = byId.get(id);
        if (!recipe) return [];
        // Scaled exactly here; the sum is rounded once, at the end.
        const factor = (servings ?? recipe.servings) / recipe.servings;
        return recipe.ingredients.map((ingredient) => ({
          name: ingredient.name,
          quantity: ingredient.quantity === null ? null : ingredient.quantity * factor,
          unit: ingredient.unit as Unit | null,
        }));
      });
      return { items: aggregateIngredients(listed) };
    },
  };
}

export type ShoppingListsService = ReturnType<typeof createShoppingListsService>;
