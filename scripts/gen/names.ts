// Every spelling of a module's name that the templates use, derived from its kebab-case plural.

export type Names = {
  /** kebab-case plural, the folder and URL segment: `shopping-items` */
  module: string;
  /** snake_case plural, the SQL table: `shopping_items` */
  table: string;
  /** camelCase plural: `shoppingItems` */
  names: string;
  /** PascalCase plural: `ShoppingItems` */
  Names: string;
  /** camelCase singular: `shoppingItem` */
  name: string;
  /** PascalCase singular: `ShoppingItem` */
  Name: string;
  /** SCREAMING_SNAKE singular: `SHOPPING_ITEM` */
  NAME: string;
  /** words, singular: `shopping item` */
  label: string;
  /** words, plural: `shopping items` */
  labels: string;
  /** snake_case singular, for error codes: `shopping_item` */
  code: string;
};

const MODULE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

// Folders, URL segments and identifiers the project already uses for something else.
const RESERVED = new Set([
  "api",
  "admin",
  "auth",
  "db",
  "deps",
  "dev",
  "docs",
  "health",
  "jobs",
  "lib",
  "me",
  "metrics",
  "modules",
  "openapi",
  "sessions",
  "test",
  "tests",
]);

// ECMAScript reserved words and a few globals a generated identifier must not shadow.
const JS_RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval undefined object string number boolean date error " +
    "map set promise symbol array json math reflect proxy"
  ).split(" "),
);

export function isJsReserved(identifier: string): boolean {
  return JS_RESERVED.has(identifier.toLowerCase());
}

export function singular(word: string): string {
  if (/[^aeiou]ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

const camel = (words: string[]) =>
  words.map((word, i) => (i === 0 ? word : word[0]?.toUpperCase() + word.slice(1))).join("");
const pascal = (words: string[]) =>
  words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join("");

/** The problem with a module name, or undefined when it is usable. */
export function moduleNameProblem(module: string): string | undefined {
  if (!MODULE_NAME.test(module)) {
    return `"${module}" is not a valid module name: use lowercase kebab-case, e.g. todos or shopping-items`;
  }
  if (RESERVED.has(module)) return `"${module}" is reserved`;
  const words = module.split("-");
  const last = words.at(-1) ?? "";
  if (singular(last) === last) {
    return `"${module}" must be a plural noun (todos, not todo): it names the folder and the URL`;
  }
  const spellings = namesOf(module);
  for (const identifier of [spellings.name, spellings.names]) {
    if (isJsReserved(identifier)) return `"${module}" gives "${identifier}", a reserved word`;
  }
  return undefined;
}

export function namesOf(module: string): Names {
  const plural = module.split("-");
  const one = [...plural.slice(0, -1), singular(plural.at(-1) ?? "")];
  return {
    module,
    table: plural.join("_"),
    names: camel(plural),
    Names: pascal(plural),
    name: camel(one),
    Name: pascal(one),
    NAME: one.join("_").toUpperCase(),
    label: one.join(" "),
    labels: plural.join(" "),
    code: one.join("_"),
  };
}

/** `dueAt` → `due_at`, as Drizzle's snake_case casing names the column. */
export function snakeCase(identifier: string): string {
  return identifier.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
