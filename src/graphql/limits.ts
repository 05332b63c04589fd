import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  visit,
} from "graphql";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "../lib/pagination.ts";

/**
 * Limits a GraphQL document must meet before anything executes. Depth, aliases, cost and the
 * `first` literals are validation rules; the document size is checked before parsing; `first`
 * passed as a variable is checked per request by `checkVariables`.
 */
export type GraphqlLimits = {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxDocumentBytes: number;
  maxFirst: number;
  /** For graphql's `parse(source, { maxTokens })`; mercurius: `graphql.parseOptions`. */
  maxTokens?: number;
};

export const DEFAULT_GRAPHQL_LIMITS: GraphqlLimits = {
  // The deepest real read, recipes/items/ratings/items/user/name, is 6; 8 leaves room and still
  // stops a walk along a cycle.
  maxDepth: 8,
  // Aliases exist to ask one field twice (two recipes side by side); 15 is plenty for a screen
  // and far from the thousands an alias bomb needs.
  maxAliases: 15,
  // What REST already serves in one request must fit: GET /api/recipes?limit=100 is 100 summaries
  // of 20 fields (cost 2,001). A page of 100 recipes each with 100 ratings (10,000+) does not.
  maxCost: 2_500,
  // Real documents are well under 4 KiB (the explorer's introspection query is ~2 KiB).
  maxDocumentBytes: 16 * 1024,
  // The REST list limit: one page size rule for both doors.
  maxFirst: MAX_PAGE_LIMIT,
  // Real documents run 6–8 bytes a token (the introspection query: 1.9 KiB, under 300 tokens), so
  // this sits near the byte limit while stopping 16 KiB of one-character tokens; it also bounds
  // nesting, hence recursion, before validation.
  maxTokens: 2_000,
};

type Code =
  | "query_too_deep"
  | "too_many_aliases"
  | "query_too_costly"
  | "first_too_large"
  | "first_negative"
  | "document_too_large";

function limitError(message: string, code: Code, limit: number, actual: number, node?: ValueNode) {
  return new GraphQLError(message, {
    ...(node ? { nodes: node } : {}),
    extensions: { code, limit, actual },
  });
}

/** Returns a `document_too_large` error when the source is over the byte limit. */
export function checkDocumentSize(source: string, limits: GraphqlLimits): GraphQLError | undefined {
  const bytes = Buffer.byteLength(source);
  if (bytes <= limits.maxDocumentBytes) return undefined;
  return limitError(
    `The document is ${bytes} bytes; the limit is ${limits.maxDocumentBytes}.`,
    "document_too_large",
    limits.maxDocumentBytes,
    bytes,
  );
}

/** The validation rules for the limits: static, so they hold for every variables object. */
export function limitRules(limits: GraphqlLimits): ValidationRule[] {
  return [
    (context) => operationLimitsRule(context, limits),
    (context) => firstRule(context, limits),
  ];
}

function operationLimitsRule(context: ValidationContext, limits: GraphqlLimits): ASTVisitor {
  const measure = createMeter(context, limits);
  return {
    OperationDefinition(operation) {
      const { depth, aliases, cost } = measure(operation);
      const checks: [number, number, Code, string][] = [
        [depth, limits.maxDepth, "query_too_deep", "Depth"],
        [aliases, limits.maxAliases, "too_many_aliases", "Aliases"],
        [cost, limits.maxCost, "query_too_costly", "Cost"],
      ];
      for (const [actual, limit, code, what] of checks) {
        if (actual <= limit) continue;
        const shown = Math.min(actual, Number.MAX_SAFE_INTEGER);
        context.reportError(
          new GraphQLError(`${what} ${shown} is over the limit of ${limit}.`, {
            nodes: operation,
            extensions: { code, limit, actual: shown },
          }),
        );
      }
      return false;
    },
  };
}

type Measure = { depth: number; aliases: number; cost: number };
const NOTHING: Measure = { depth: 0, aliases: 0, cost: 0 };

/**
 * Measures an operation through its fragments. Each fragment is measured once and reused, so a
 * "ladder" of fragments that each spread the next one twice costs linear time, not 2^n; a
 * fragment already on the path counts as nothing (graphql's NoFragmentCyclesRule reports it).
 */
function createMeter(context: ValidationContext, limits: GraphqlLimits) {
  const schema = context.getSchema();
  const fragments = new Map<string, Measure>();
  const onPath = new Set<string>();

  function selectionSet(set: SelectionSetNode, parent: GraphQLNamedType | undefined): Measure {
    const total = { ...NOTHING };
    for (const node of set.selections) {
      const m = selection(node, parent);
      total.depth = Math.max(total.depth, m.depth);
      total.aliases += m.aliases;
      total.cost += m.cost;
    }
    return total;
  }

  function selection(node: SelectionNode, parent: GraphQLNamedType | undefined): Measure {
    if (node.kind === Kind.FIELD) return field(node, parent);
    if (node.kind === Kind.INLINE_FRAGMENT) {
      const type = node.typeCondition ? schema.getType(node.typeCondition.name.value) : parent;
      return selectionSet(node.selectionSet, type);
    }
    return fragment(node.name.value);
  }

  function fragment(name: string): Measure {
    const known = fragments.get(name);
    if (known) return known;
    const node = context.getFragment(name);
    if (!node || onPath.has(name)) return NOTHING;
    onPath.add(name);
    const m = selectionSet(node.selectionSet, schema.getType(node.typeCondition.name.value));
    onPath.delete(name);
    fragments.set(name, m);
    return m;
  }

  function field(node: FieldNode, parent: GraphQLNamedType | undefined): Measure {
    const def =
      isObjectType(parent) || isInterfaceType(parent)
        ? parent.getFields()[node.name.value]
        : undefined;
    const children = node.selectionSet
      ? selectionSet(node.selectionSet, def && getNamedType(def.type))
      : NOTHING;
    return {
      depth: 1 + children.depth,
      aliases: (node.alias ? 1 : 0) + children.aliases,
      cost: 1 + pageSize(node, def, limits) * children.cost,
    };
  }

  return (operation: OperationDefinitionNode) =>
    selectionSet(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
}

/**
 * How many items a field may return, for the cost. A variable counts as `maxFirst`: validation
 * runs once per document (mercurius caches it), so it must hold for any value; an omitted
 * `first` is the server's default page. Lists without `first` (ingredients, tags) count once —
 * their length is bounded by what a recipe may hold, not by the client.
 */
function pageSize(
  node: FieldNode,
  def: GraphQLField<unknown, unknown> | undefined,
  limits: GraphqlLimits,
): number {
  const value = node.arguments?.find((arg) => arg.name.value === "first")?.value;
  if (value?.kind === Kind.INT) return Math.max(0, Number(value.value));
  if (value && value.kind !== Kind.NULL) return limits.maxFirst;
  const arg = def?.args.find((a) => a.name === "first");
  if (!arg) return 1;
  return typeof arg.defaultValue === "number" ? arg.defaultValue : DEFAULT_PAGE_LIMIT;
}

/** `first` literals, and the defaults of variables passed as `first`, within [0, maxFirst]. */
function firstRule(context: ValidationContext, limits: GraphqlLimits): ASTVisitor {
  const variablesUsedAsFirst = new Set<string>();
  return {
    Field(node) {
      const value = node.arguments?.find((arg) => arg.name.value === "first")?.value;
      if (value?.kind === Kind.VARIABLE) variablesUsedAsFirst.add(value.name.value);
      const error = value && checkFirst(value, limits);
      if (error) context.reportError(error);
    },
    Document: {
      leave(document) {
        for (const definition of document.definitions) {
          if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
          for (const variable of definition.variableDefinitions ?? []) {
            if (!variablesUsedAsFirst.has(variable.variable.name.value)) continue;
            const error = variable.defaultValue && checkFirst(variable.defaultValue, limits);
            if (error) context.reportError(error);
          }
        }
      },
    },
  };
}

function checkFirst(value: ValueNode, limits: GraphqlLimits): GraphQLError | undefined {
  if (value.kind !== Kind.INT) return undefined;
  return checkFirstValue(Number(value.value), limits, value);
}

function checkFirstValue(first: number, limits: GraphqlLimits, node?: ValueNode) {
  if (first > limits.maxFirst) {
    const message = `first: ${first} is over the limit of ${limits.maxFirst}.`;
    return limitError(message, "first_too_large", limits.maxFirst, first, node);
  }
  if (first < 0)
    return limitError(`first: ${first} is negative.`, "first_negative", 0, first, node);
  return undefined;
}

/**
 * Checks the variables a request passes as `first`. Validation is cached per document, so this
 * runs per request (mercurius: a `preExecution` hook). Every operation in the document is
 * checked with the same values: stricter than needed, never looser.
 */
export function checkVariables(
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  limits: GraphqlLimits,
): GraphQLError[] {
  const errors: GraphQLError[] = [];
  visit(document, {
    Field(node) {
      const value = node.arguments?.find((arg) => arg.name.value === "first")?.value;
      if (value?.kind !== Kind.VARIABLE) return;
      const first = variables?.[value.name.value];
      const error = typeof first === "number" ? checkFirstValue(first, limits, value) : undefined;
      if (error) errors.push(error);
    },
  });
  return errors;
}
