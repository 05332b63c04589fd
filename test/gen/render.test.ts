import { describe, expect, it } from "vitest";
import { parseFields } from "../../scripts/gen/fields.ts";
import { graphqlEnum, graphqlSelection } from "../../scripts/gen/fragments.ts";
import { namesOf, singular } from "../../scripts/gen/names.ts";
import { type RenderContext, render, TemplateError } from "../../scripts/gen/render.ts";
import { filterTestField } from "../../scripts/gen/samples.ts";

const context: RenderContext = {
  values: { Name: "Todo", names: "todos" },
  flags: { owned: true, private: false },
  slots: { column: ["title: text(),", "done: boolean(),"] },
};

describe("render", () => {
  it("replaces placeholders, including ones glued to other words", () => {
    expect(render("export type __Name__Row = typeof __names__;", context)).toBe(
      "export type TodoRow = typeof todos;",
    );
  });

  it("keeps or drops gen:if regions, negated and nested", () => {
    const template = [
      "a",
      "// gen:if owned",
      "b",
      "// gen:if private",
      "c",
      "// gen:end",
      "// gen:end",
      "// gen:if !owned",
      "d",
      "// gen:end",
      "e",
    ].join("\n");
    expect(render(template, context)).toBe("a\nb\ne");
  });

  it("replaces a gen:each sample with one fragment per field, indented like the mark", () => {
    const template = "{\n  // gen:each column\n  sample: text(),\n  // gen:end\n}";
    expect(render(template, context)).toBe("{\n  title: text(),\n  done: boolean(),\n}");
  });

  it.each([
    ["an unknown placeholder", "__nope__"],
    ["an unknown flag", "// gen:if nope\n// gen:end"],
    ["an unknown slot", "// gen:each nope\n// gen:end"],
    ["an unclosed region", "// gen:if owned\nx"],
    ["a stray end", "// gen:end"],
  ])("refuses a template with %s", (_case, template) => {
    expect(() => render(template, context)).toThrow(TemplateError);
  });
});

describe("names", () => {
  it.each([
    ["todos", "todo"],
    ["categories", "category"],
    ["boxes", "box"],
    ["addresses", "address"],
    ["days", "day"],
  ])("singular of %s is %s", (plural, one) => {
    expect(singular(plural)).toBe(one);
  });

  it("spells a kebab-case module every way the templates need", () => {
    expect(namesOf("shopping-items")).toEqual({
      module: "shopping-items",
      table: "shopping_items",
      names: "shoppingItems",
      Names: "ShoppingItems",
      name: "shoppingItem",
      Name: "ShoppingItem",
      NAME: "SHOPPING_ITEM",
      label: "shopping item",
      labels: "shopping items",
      code: "shopping_item",
    });
  });
});

describe("GraphQL fragments", () => {
  const names = namesOf("shopping-items");

  it("names a module's enum after the module and the field", () => {
    const [status, title] = parseFields(["status:enum:open,closed", "title:string"]);
    expect(status && graphqlEnum(names, status)).toEqual([
      'types.enum("ShoppingItemStatus", ShoppingItemSchema.shape.status);',
    ]);
    expect(title && graphqlEnum(names, title)).toEqual([]);
  });

  it("selects every field of a row, the owner's id when it has one", () => {
    const fields = parseFields(["title:string", "dueAt:timestamp?"]);
    expect(graphqlSelection(fields, true)).toBe(
      "id ownerId title dueAt version createdAt updatedAt",
    );
    expect(graphqlSelection(fields, false)).toBe("id title dueAt version createdAt updatedAt");
  });

  it.each([
    [["done:boolean"], "done: true"],
    [["priority:int:1..5"], "priority: 1"],
    [["title:string"], 'title: "alpha"'],
    [["status:enum:open,closed"], "status: open"],
    // Values GraphQL cannot name make a String argument (src/graphql/from-zod.ts).
    [["status:enum:in-progress,done"], 'status: "in-progress"'],
    [["dueAt:timestamp"], 'dueAtFrom: "2030-06-01T00:00:00.000Z"'],
  ])("writes the filter of %j as GraphQL arguments: %s", (specs, args) => {
    expect(filterTestField(parseFields(specs))?.graphqlArgs).toBe(args);
  });
});
