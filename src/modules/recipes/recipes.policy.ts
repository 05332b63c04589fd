import type { Actor } from "../../lib/actor.ts";
import { ForbiddenError, NotFoundError, UnauthorizedError } from "../../lib/errors.ts";

/**
 * Who may do what with a recipe. Every service asks here; nothing else decides.
 *
 * A private recipe that the caller may not see answers 404 to everything, so its existence
 * does not leak; a public one the caller may read but not change answers 403.
 */
export type RecipeAccess = { authorId: string; visibility: "public" | "private" };

export function canView(actor: Actor | null, recipe: RecipeAccess): boolean {
  return recipe.visibility === "public" || canEdit(actor, recipe);
}

export function canEdit(actor: Actor | null, recipe: RecipeAccess): boolean {
  return !!actor && (actor.role === "admin" || actor.userId === recipe.authorId);
}

export function recipeNotFound(): NotFoundError {
  return new NotFoundError("recipe_not_found", { detail: "There is no such recipe." });
}

/** Returns the recipe when the caller may read it; 404 otherwise. */
export function ensureViewable<T extends RecipeAccess>(
  actor: Actor | null,
  recipe: T | undefined,
): T {
  if (!recipe || !canView(actor, recipe)) throw recipeNotFound();
  return recipe;
}

/** Returns the recipe when the caller may change it; 404 when they may not even see it, else 403. */
export function ensureEditable<T extends RecipeAccess>(
  actor: Actor | null,
  recipe: T | undefined,
): T {
  const viewable = ensureViewable(actor, recipe);
  if (!canEdit(actor, viewable)) {
    throw new ForbiddenError("not_recipe_author", {
      detail: "Only the author or an admin may change this recipe.",
    });
  }
  return viewable;
}

/** Ratings are for other people's recipes. */
export function ensureRatable<T extends RecipeAccess>(actor: Actor, recipe: T | undefined): T {
  const viewable = ensureViewable(actor, recipe);
  if (viewable.authorId === actor.userId) {
    throw new ForbiddenError("cannot_rate_own_recipe", {
      detail: "You cannot rate your own recipe.",
    });
  }
  return viewable;
}

/** For service methods that need a signed-in caller even when a route forgot its guard. */
export function ensureSignedIn(actor: Actor | null): Actor {
  if (!actor) throw new UnauthorizedError("authentication_required");
  return actor;
}
