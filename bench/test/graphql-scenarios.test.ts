import { readFileSync } from "node:fs";
import { buildSchema, type FieldNode, Kind, parse, type SelectionSetNode, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { RecipeSchema, RecipeSummarySchema } from "../../src/modules/recipes/recipes.schema.ts";
import { RECIPE_QUERY, RECIPES_QUERY } from "../lib/scenarios.ts";

const schema = buildSchema(readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8"));

/** The field names selected under the path of fields, e.g. ["recipes", "items"]. */
function selected(query: string, path: string[]): string[] {
  const operation = parse(query).definitions[0];
  if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error("no operation");
  let set: SelectionSetNode | undefined = operation.selectionSet;
  for (const name of path) {
    const field: FieldNode | undefined = set?.selections.find(
      (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === name,
    );
    set = field?.selectionSet;
  }
  return (set?.selections ?? []).map((s) => (s as FieldNode).name.value).sort();
}

describe("bench GraphQL scenarios", () => {
  it("are valid documents against schema.graphql", () => {
    for (const query of [RECIPE_QUERY, RECIPES_QUERY]) {
      expect(validate(schema, parse(query))).toEqual([]);
    }
  });

  it("select exactly the fields of the REST answers", () => {
    expect(selected(RECIPE_QUERY, ["recipe"])).toEqual(Object.keys(RecipeSchema.shape).sort());
    expect(selected(RECIPES_QUERY, ["recipes", "items"])).toEqual(
      Object.keys(RecipeSummarySchema.shape).sort(),
    );
    expect(selected(RECIPES_QUERY, ["recipes"])).toEqual(["items", "nextCursor"]);
  });
});
