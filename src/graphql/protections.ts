import {
  BREAK,
  GraphQLError,
  Kind,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  getIntrospectionQuery,
  parse,
} from "graphql";
import { limits as domainLimits } from "../domain/terms.js";

/** Limits from the OWASP GraphQL cheat sheet, enforced on HTTP and WebSocket alike. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
  /** Characters of query text. */
  maxQueryLength: number;
  /** Items assumed for a list field whose `first` comes from a variable. */
  assumedPageSize: number;
}

export const defaultQueryLimits: QueryLimits = {
  maxDepth: 15,
  maxAliases: 30,
  maxCost: 10_000,
  maxTokens: 5_000,
  maxQueryLength: 100_000,
  assumedPageSize: 100,
};

export const limitError = (limit: string, message: string, max: number, actual?: number) =>
  new GraphQLError(message, {
    extensions: { code: "GRAPHQL_VALIDATION_FAILED", limit, max, ...(actual === undefined ? {} : { actual }) },
  });

/** Rejects query text longer than the limit before it is parsed. */
export function checkQueryLength(query: unknown, limits: QueryLimits): GraphQLError | null {
  if (typeof query === "string" && query.length > limits.maxQueryLength) {
    return limitError(
      "queryLength",
      `Query is ${query.length} characters long; the maximum is ${limits.maxQueryLength}`,
      limits.maxQueryLength,
      query.length,
    );
  }
  return null;
}

export interface Metrics {
  depth: number;
  aliases: number;
  cost: number;
}

const isIntrospection = (name: string) => name === "__schema" || name === "__type";

/**
 * How many values each list of the introspection types holds on average in `schema`, per item
 * of the list around it (types in the schema; fields, input fields, enum values per type, of all
 * types; arguments per field; a type reference's `ofType`, null half the time): what the list
 * multiplies the cost of its selections by, so that an introspection query costs about as many
 * values as its answer holds (GraphiQL's full query: about 5,600 values here), and aliased
 * copies add up like any other query.
 */
const introspectionFactors = new WeakMap<GraphQLSchema, Record<string, number>>();
function introspectionFactor(schema: GraphQLSchema, typeName: string, field: string): number {
  let f = introspectionFactors.get(schema);
  if (!f) {
    const types = Object.values(schema.getTypeMap());
    const perType = (n: number) => n / Math.max(1, types.length);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const fields = types.flatMap((t) => (isObjectType(t) || isInterfaceType(t) ? Object.values(t.getFields()) : []));
    f = {
      "__Schema.types": types.length,
      "__Schema.directives": schema.getDirectives().length,
      "__Type.fields": perType(fields.length),
      "__Type.inputFields": perType(
        sum(types.map((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0))),
      ),
      "__Type.enumValues": perType(sum(types.map((t) => (isEnumType(t) ? t.getValues().length : 0)))),
      "__Type.interfaces": perType(sum(types.map((t) => (isObjectType(t) ? t.getInterfaces().length : 0)))),
      "__Type.possibleTypes": perType(
        sum(types.map((t) => (isAbstractType(t) ? schema.getPossibleTypes(t).length : 0))),
      ),
      "__Type.ofType": 0.5,
      "__Field.args": sum(fields.map((x) => x.args.length)) / Math.max(1, fields.length),
      "__Directive.args":
        sum(schema.getDirectives().map((d) => d.args.length)) / Math.max(1, schema.getDirectives().length),
    };
    introspectionFactors.set(schema, f);
  }
  return f[`${typeName}.${field}`] ?? 1;
}

/** Each document's answer to usesIntrospection (Apollo keeps parsed documents: one visit per document). */
const introspecting = new WeakMap<DocumentNode, boolean>();

/** Whether the operation (fragments included) asks for `__schema` or `__type`. */
export function usesIntrospection(document: DocumentNode): boolean {
  let found = introspecting.get(document);
  if (found === undefined) introspecting.set(document, (found = findsIntrospection(document)));
  return found;
}

function findsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (isIntrospection(node.name.value)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Depth, aliases and cost of one operation with its fragments expanded. Cost counts one per
 * field, multiplied for list fields by their `first` or `last` argument (its literal, its
 * default, or `assumedPageSize` for a variable), and for the lists of introspection by their
 * average length in this schema: introspection counts like any query. Of the fragments on the
 * object types of a union or interface, only the dearest counts (an item is of one type).
 */
export function measureOperation(
  schema: GraphQLSchema,
  node: OperationDefinitionNode,
  fragment: (name: string) => FragmentDefinitionNode | null | undefined,
  limits: QueryLimits,
): Metrics {
  const root =
    node.operation === "query"
      ? schema.getQueryType()
      : node.operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const metrics: Metrics = { depth: 0, aliases: 0, cost: 0 };
  const visiting = new Set<string>();

  const walk = (set: SelectionSetNode, parent: GraphQLOutputType | null | undefined, depth: number, mult: number) => {
    if (metrics.cost > limits.maxCost * 10 || depth > limits.maxDepth + 1) return;
    // Under a union or an interface, fragments on different object types never both apply to
    // one item: each item costs the most expensive of them, not their sum.
    const abstract = parent ? isAbstractType(getNamedType(parent)) : false;
    const branches = new Map<string, number>();
    const fragmentOn = (typeName: string | undefined, selections: SelectionSetNode) => {
      const t = typeName ? schema.getType(typeName) : undefined;
      if (!abstract || !t || !isObjectType(t)) return walk(selections, (t ?? parent) as GraphQLOutputType, depth, mult);
      const before = metrics.cost;
      walk(selections, t, depth, mult);
      branches.set(t.name, (branches.get(t.name) ?? 0) + metrics.cost - before);
      metrics.cost = before;
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) metrics.aliases++;
        if (sel.name.value === "__typename") continue;
        const fieldDef = isIntrospection(sel.name.value)
          ? introspectionRoot(schema, sel.name.value)
          : fieldOf(parent, sel.name.value);
        const parentName = parent ? getNamedType(parent).name : "";
        const factor = parentName.startsWith("__")
          ? introspectionFactor(schema, parentName, sel.name.value)
          : listFactor(sel, fieldDef, limits);
        const m = mult * factor;
        metrics.cost += mult;
        if (sel.selectionSet) {
          metrics.depth = Math.max(metrics.depth, depth + 1);
          walk(sel.selectionSet, fieldDef?.type, depth + 1, m);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        fragmentOn(sel.typeCondition?.name.value, sel.selectionSet);
      } else {
        const name = sel.name.value;
        if (visiting.has(name)) continue;
        const frag = fragment(name);
        if (!frag) continue;
        visiting.add(name);
        fragmentOn(frag.typeCondition.name.value, frag.selectionSet);
        visiting.delete(name);
      }
    }
    metrics.cost += Math.max(0, ...branches.values());
  };
  walk(node.selectionSet, root, 0, 1);
  metrics.cost = Math.ceil(metrics.cost);
  return metrics;
}

const measured = new WeakMap<DocumentNode, Map<string, number>>();

/**
 * The cost of the operation a response answers (what `extensions.cost` reports), measured as the
 * limit measures it; kept per parsed document, which the servers keep for a repeated query.
 */
export function costOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: QueryLimits,
): number {
  let byOperation = measured.get(document);
  if (!byOperation) measured.set(document, (byOperation = new Map()));
  const key = operation.name?.value ?? "";
  let cost = byOperation.get(key);
  if (cost === undefined) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    cost = measureOperation(schema, operation, (n) => fragments.get(n), limits).cost;
    byOperation.set(key, cost);
  }
  return cost;
}

/** The limits of every operation, as a validation rule (HTTP and WebSocket run it alike). */
/** What the fullest standard introspection query (GraphiQL's, every option on) costs on a schema. */
const fullIntrospectionCosts = new WeakMap<GraphQLSchema, number>();
function fullIntrospectionCost(schema: GraphQLSchema, limits: QueryLimits): number {
  let cost = fullIntrospectionCosts.get(schema);
  if (cost === undefined) {
    const document = parse(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    );
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    cost = operation ? measureOperation(schema, operation, (n) => fragments.get(n), limits).cost : 0;
    fullIntrospectionCosts.set(schema, cost);
  }
  return cost;
}

/** Headroom over the full introspection query that an operation asking for the schema gets. */
const INTROSPECTION_HEADROOM = 1.25;

/**
 * The cost an operation may reach: maxCost, or for one that introspects, enough for GraphiQL's
 * and codegen's full schema fetch (which grows with the schema) with some headroom.
 */
export function costLimitOf(schema: GraphQLSchema, document: DocumentNode, limits: QueryLimits): number {
  if (!usesIntrospection(document)) return limits.maxCost;
  return Math.max(limits.maxCost, Math.ceil(fullIntrospectionCost(schema, limits) * INTROSPECTION_HEADROOM));
}

export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node: OperationDefinitionNode) {
      const metrics = measureOperation(context.getSchema(), node, (n) => context.getFragment(n), limits);
      const maxCost = costLimitOf(context.getSchema(), context.getDocument(), limits);
      if (metrics.depth > limits.maxDepth) {
        context.reportError(
          limitError(
            "depth",
            `Query depth ${metrics.depth} exceeds the maximum of ${limits.maxDepth}`,
            limits.maxDepth,
            metrics.depth,
          ),
        );
      }
      if (metrics.aliases > limits.maxAliases) {
        context.reportError(
          limitError(
            "aliases",
            `Query uses ${metrics.aliases} aliases; the maximum is ${limits.maxAliases}`,
            limits.maxAliases,
            metrics.aliases,
          ),
        );
      }
      if (metrics.cost > maxCost) {
        context.reportError(
          limitError("cost", `Query cost ${metrics.cost} exceeds the maximum of ${maxCost}`, maxCost, metrics.cost),
        );
      }
    },
  });
}

/** `__schema` and `__type` are not fields of the query type: their definitions, for the walk. */
function introspectionRoot(schema: GraphQLSchema, name: string): GraphQLField<unknown, unknown> | undefined {
  const type = name === "__schema" ? schema.getType("__Schema") : schema.getType("__Type");
  return type ? ({ name, type, args: [] } as unknown as GraphQLField<unknown, unknown>) : undefined;
}

function fieldOf(
  parent: GraphQLOutputType | null | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (!parent) return undefined;
  const t = getNamedType(parent);
  if (!isCompositeType(t) || !(isObjectType(t) || isInterfaceType(t))) return undefined;
  return t.getFields()[name];
}

function listFactor(node: FieldNode, def: GraphQLField<unknown, unknown> | undefined, limits: QueryLimits): number {
  const sizeArgs = def?.args.filter((a) => a.name === "first" || a.name === "last") ?? [];
  if (sizeArgs.length === 0) return 1;
  // A connection's page size is `first` or `last`; a plain list's is `first`.
  const arg = node.arguments?.find((a) => a.name.value === "first" || a.name.value === "last");
  if (!arg) {
    const fallback = sizeArgs.find((a) => typeof a.defaultValue === "number")?.defaultValue;
    return typeof fallback === "number" ? Math.max(1, fallback) : domainLimits.pageSize.default;
  }
  if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  if (arg.value.kind === Kind.VARIABLE) return limits.assumedPageSize;
  return 1;
}
