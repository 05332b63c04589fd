import type { FastifyInstance } from "fastify";
import { BadRequestError, type FieldError } from "./errors.ts";

const MAX_REPORTED = 10;
const LONE_SURROGATE = "is not well-formed Unicode (it has a lone surrogate)";
const LONE_SURROGATE_IN_NAME = "has a property name that is not well-formed Unicode";

/**
 * Where a parsed JSON value (or query) holds text that is not well-formed UTF-16: a lone
 * surrogate, which a `\udc00` escape in JSON can carry. Such text has no UTF-8 form, so it cannot
 * be stored as sent (drivers replace or refuse it, differently per driver and column type).
 * Breadth-first over a list rather than recursive, because JSON.parse accepts nesting far deeper
 * than the call stack; only containers are queued, and a path is built only for what is found.
 */
export function malformedText(value: unknown, root: string): FieldError[] {
  const found: FieldError[] = [];
  // Containers to visit, each with its parent's index in this list and its key there.
  const containers: unknown[] = [];
  const parents: number[] = [];
  const keys: (string | number)[] = [];
  const pathOf = (parent: number, key: string | number | undefined): string => {
    const parts = key === undefined ? [] : [key];
    for (let at = parent; at > 0; at = parents[at] as number) parts.push(keys[at] as string);
    return [root, ...parts.reverse()].join(".");
  };
  const visit = (item: unknown, parent: number, key: string | number | undefined) => {
    if (typeof item === "string") {
      if (!item.isWellFormed()) found.push({ path: pathOf(parent, key), message: LONE_SURROGATE });
    } else if (item !== null && typeof item === "object") {
      containers.push(item);
      parents.push(parent);
      keys.push(key ?? "");
    }
  };
  visit(value, 0, undefined);
  for (let at = 0; at < containers.length && found.length < MAX_REPORTED; at++) {
    const container = containers[at] as object;
    if (Array.isArray(container)) {
      for (let index = 0; index < container.length; index++) visit(container[index], at, index);
      continue;
    }
    for (const [key, item] of Object.entries(container)) {
      if (!key.isWellFormed()) {
        found.push({ path: pathOf(at, undefined), message: LONE_SURROGATE_IN_NAME });
      }
      visit(item, at, key);
    }
  }
  return found.slice(0, MAX_REPORTED);
}

/**
 * Refuses, for every route, a body or query carrying text that is not well-formed Unicode:
 * 400 `invalid_text` naming each field, before validation and before anything is stored.
 */
export function registerWellFormedText(app: FastifyInstance): void {
  app.addHook("preValidation", (request, _reply, done) => {
    const errors = [
      ...malformedText(request.query, "querystring"),
      ...malformedText(request.body, "body"),
    ];
    if (errors.length === 0) return done();
    done(
      new BadRequestError("invalid_text", {
        detail: "The request contains text that is not well-formed Unicode (a lone surrogate).",
        errors,
      }),
    );
  });
}
