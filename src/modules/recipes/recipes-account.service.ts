import type { Db } from "../../db/client.ts";
import { tagCountChanges } from "../tags/tag-counts.ts";
import type { RecipesRepository } from "./recipes.repository.ts";
import type { Recipe } from "./recipes.schema.ts";
import { groupBy, toRecipe } from "./recipes.view.ts";

const PAGE = 100;

type RecipesAccountDeps = { db: Db; recipesRepository: RecipesRepository };

/** What an account owns among recipes: its export, and its deletion. */
export function createRecipesAccountService({ db, recipesRepository: repo }: RecipesAccountDeps) {
  return {
    /** Every recipe of the author, whole, a page (three statements) at a time. */
    async *exportRows(authorId: string): AsyncGenerator<Recipe> {
      let after: string | undefined;
      for (;;) {
        const records = await repo.recordsByAuthor(authorId, after, PAGE);
        if (records.length === 0) return;
        const ids = records.map((record) => record.id);
        const ingredients = groupBy(await repo.ingredientsOf(ids), (row) => row);
        const tags = groupBy(await repo.tagsOf(ids), (row) => row.tag);
        for (const record of records) {
          yield toRecipe(record, ingredients.get(record.id) ?? [], tags.get(record.id) ?? []);
        }
        after = records.at(-1)?.id;
      }
    },

    /**
     * Deletes every recipe of the author, a page per transaction, keeping tag counts exact.
     * Idempotent: a second run finds nothing left to delete.
     */
    async removeAllByAuthor(authorId: string): Promise<number> {
      let removed = 0;
      for (;;) {
        const page = await repo.idsByAuthor(authorId, PAGE);
        if (page.length === 0) return removed;
        await db.transaction(async (tx) => {
          for (const { id } of page) {
            const locked = await repo.lockById(id, tx);
            if (!locked) continue;
            const tags = (await repo.tagsOf([id], tx)).map((row) => row.tag);
            await repo.remove(id, tx);
            await repo.adjustTagCounts(
              tagCountChanges({ tags, visibility: locked.visibility }, null),
              tx,
            );
          }
        });
        removed += page.length;
      }
    },
  };
}

export type RecipesAccountService = ReturnType<typeof createRecipesAccountService>;
