import { GraphQLBoolean } from "graphql";
import type { GraphqlContribution } from "../../graphql/contribution.ts";
import { type Args, listArgsOf, parse, signedIn, versionOf } from "../../graphql/resolvers.ts";
import {
  __Name__PageSchema,
  __Name__Params,
  __Name__Schema,
  Create__Name__Body,
  List__Names__Query,
  Update__Name__Body,
} from "./__module__.schema.ts";

const idOf = (args: Args) => parse(__Name__Params, { id: args.id }).id;

/**
 * The module's part of the GraphQL schema (src/graphql/schema.ts lists it). Each field parses its
 * arguments with the REST route's schema and calls the service method the route calls, signed
 * in where the route requires it: the rules stay the service's.
 */
export const __names__Graphql: GraphqlContribution = (types, helpers) => {
  const { id, input, expectedVersion, listArgs } = helpers;
  // gen:if enums
  // Named after the module: a field's name alone (`status`) could be another module's enum.
  // gen:each graphqlEnum
  types.enum("__Name__Status", __Name__Schema.shape.status);
  // gen:end
  // gen:end
  const item = types.output(__Name__Schema);
  return {
    query: {
      __names__: {
        type: types.output(__Name__PageSchema),
        // gen:if private
        description: "List your __labels__, newest first (as `GET /api/__module__`)",
        args: listArgs(List__Names__Query),
        resolve(_, args, ctx) {
          const actor = signedIn(ctx);
          return ctx.services.__names__.list(actor, parse(List__Names__Query, listArgsOf(args)));
        },
        // gen:end
        // gen:if public
        description: "List __labels__, newest first (as `GET /api/__module__`)",
        args: listArgs(List__Names__Query),
        resolve: (_, args, ctx) =>
          ctx.services.__names__.list(parse(List__Names__Query, listArgsOf(args))),
        // gen:end
      },
      __name__: {
        type: item,
        args: { id },
        // gen:if private
        resolve(_, args, ctx) {
          const actor = signedIn(ctx);
          return ctx.services.__names__.get(actor, idOf(args));
        },
        // gen:end
        // gen:if public
        resolve: (_, args, ctx) => ctx.services.__names__.get(idOf(args)),
        // gen:end
      },
    },
    mutation: {
      create__Name__: {
        type: item,
        args: { input: input(Create__Name__Body) },
        resolve(_, args, ctx) {
          // gen:if owned
          const actor = signedIn(ctx);
          return ctx.services.__names__.create(actor, parse(Create__Name__Body, args.input, "input"));
          // gen:end
          // gen:if !owned
          signedIn(ctx);
          return ctx.services.__names__.create(parse(Create__Name__Body, args.input, "input"));
          // gen:end
        },
      },
      update__Name__: {
        type: item,
        args: { id, input: input(Update__Name__Body), expectedVersion },
        resolve(_, args, ctx) {
          // gen:if owned
          const actor = signedIn(ctx);
          const change = parse(Update__Name__Body, args.input, "input");
          return ctx.services.__names__.update(actor, idOf(args), change, versionOf(args));
          // gen:end
          // gen:if !owned
          signedIn(ctx);
          const change = parse(Update__Name__Body, args.input, "input");
          return ctx.services.__names__.update(idOf(args), change, versionOf(args));
          // gen:end
        },
      },
      delete__Name__: {
        type: GraphQLBoolean,
        description: "true once deleted",
        args: { id, expectedVersion },
        async resolve(_, args, ctx) {
          // gen:if owned
          await ctx.services.__names__.remove(signedIn(ctx), idOf(args), versionOf(args));
          // gen:end
          // gen:if !owned
          signedIn(ctx);
          await ctx.services.__names__.remove(idOf(args), versionOf(args));
          // gen:end
          return true;
        },
      },
    },
  };
};
