import { type GraphQLFieldConfigMap, GraphQLID, GraphQLInt, GraphQLNonNull } from "graphql";
import type { z } from "zod";
import { PageQuerySchema } from "../lib/pagination.ts";
import type { TypeBuilder } from "./from-zod.ts";
import { type Context, PAGE_ARGS } from "./resolvers.ts";

export type Fields = GraphQLFieldConfigMap<unknown, Context>;

/**
 * A module's part of the schema: its root fields, their types built with the shared builder
 * from the module's REST schemas. src/graphql/schema.ts lists the parts; a field name taken by
 * an earlier part is refused when the schema is built.
 */
export type GraphqlContribution = (
  types: TypeBuilder,
  helpers: GraphqlHelpers,
) => { query?: Fields; mutation?: Fields };

/** Arguments every part spells the same way. */
export function createGraphqlHelpers(types: TypeBuilder) {
  return {
    /** `first`, `after`: the REST page's `limit` and `cursor`. */
    pageArgs: () => types.args(PageQuerySchema, PAGE_ARGS),
    /** A list's query schema (filters and page) as arguments, `limit`/`cursor` renamed. */
    listArgs: (schema: z.ZodType) => types.args(schema, PAGE_ARGS),
    id: { type: new GraphQLNonNull(GraphQLID) },
    expectedVersion: {
      type: GraphQLInt,
      description: "The `version` you read; another one is `version_mismatch` (REST's 412)",
    },
    /** A required `input` argument from a request body. */
    input: (schema: z.ZodType) => ({ type: new GraphQLNonNull(types.input(schema)) }),
  };
}

export type GraphqlHelpers = ReturnType<typeof createGraphqlHelpers>;
