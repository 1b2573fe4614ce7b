/**
 * The tools' GraphQL operations, made from their declarations (src/tools/registry.ts): each tool
 * becomes a mutation named after it, a read-only one (`policy.readOnly`) a query, whose arguments
 * (one per input field, or one `input` of the tool's named input type), result type and
 * descriptions come from its zod schemas, and whose resolver hands the call to the tool service
 * (which checks the role, validates, records the ToolCall). No resolver is written by hand for a
 * tool. The read-only tools' mutations stay one release, deprecated in favour of their queries.
 *
 * zod → GraphQL: string → String (or a scalar named with asId/dateTime), integer number → Int,
 * other numbers → Float, boolean → Boolean, date → DateTimeISO, enum → an enum named with
 * `named()` whose values are UPPER_CASE (utf8 → UTF8, mapped back to the tool's value; an enum of
 * that name the API already has is used when its values are the same), array →
 * a list of non-null items, object → an (input) object type named with `named()`, record →
 * JSONObject, a value of an API type (`apiType`) → that type; optional, nullable and defaulted
 * fields are nullable, the rest non-null.
 */
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  isInputType,
  isOutputType,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
} from "graphql";
import type { z } from "zod";
import { unauthenticated } from "../../domain/errors.js";
import { apiShapes, type ApiShape } from "../../tools/api-shape.js";
import type { ToolDefinition } from "../../tools/registry.js";
import type { Context } from "../context.js";

type Schema = z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };

/** The schema inside optional/nullable/default wrappers, whether any made it nullable, and the API shape met on the way. */
function unwrap(schema: Schema): { inner: Schema; nullable: boolean; shape: ApiShape } {
  let s = schema;
  let nullable = false;
  let shape: ApiShape = { ...apiShapes.get(s) };
  for (;;) {
    const def = s._zod.def;
    if (def.type !== "optional" && def.type !== "nullable" && def.type !== "default" && def.type !== "prefault") break;
    nullable = true;
    s = def.innerType as Schema;
    shape = { ...apiShapes.get(s), ...shape };
  }
  return { inner: s, nullable, shape };
}

/** A schema's `.describe()` text, or else that of the schema inside its optional/nullable/default wrappers. */
function description(schema: Schema): string | undefined {
  for (let s: Schema | undefined = schema; s; s = s._zod.def.innerType as Schema | undefined) {
    const text = (s as { description?: string }).description;
    if (text) return text;
  }
  return undefined;
}

/** An enum value's name in the API: UPPER_CASE whatever the tool's schema says (utf8 → UTF8, dryRun → DRY_RUN). */
export const enumValueName = (value: string): string =>
  value
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9_]/g, "_")
    .toUpperCase();

/** Whether an API enum's values are exactly `values`, each under its UPPER_CASE name. */
const sameValues = (type: GraphQLEnumType, values: readonly string[]): boolean =>
  type.getValues().length === values.length && values.every((v) => type.getValue(enumValueName(v))?.value === v);

/** Builds and remembers the API types of the tools' schemas, by name. */
class TypeBuilder {
  private readonly objects = new Map<string, GraphQLObjectType>();
  private readonly inputs = new Map<string, GraphQLInputObjectType>();
  private readonly enums = new Map<string, GraphQLEnumType>();

  constructor(private readonly schema: GraphQLSchema) {}

  private existing(name: string): GraphQLNamedType {
    const type = this.schema.getType(name);
    if (!type) throw new Error(`a tool refers to the API type ${name}, which the schema does not have`);
    return type;
  }

  private leaf(inner: Schema, shape: ApiShape, where: string): GraphQLInputType & GraphQLOutputType {
    if (shape.scalar) return (shape.scalar === "ID" ? GraphQLID : this.existing(shape.scalar)) as never;
    const def = inner._zod.def;
    switch (def.type) {
      case "string":
        return GraphQLString;
      case "number":
        return (inner as unknown as { isInt?: boolean }).isInt ? GraphQLInt : GraphQLFloat;
      case "boolean":
        return GraphQLBoolean;
      case "date":
        return this.existing("DateTimeISO") as never;
      case "record":
        return this.existing("JSONObject") as never;
      case "enum":
        return this.enumType(inner, shape, where);
      default:
        throw new Error(`${where}: a zod ${def.type} has no API type (name it, or give it apiType/a scalar)`);
    }
  }

  private enumType(inner: Schema, shape: ApiShape, where: string): GraphQLEnumType {
    if (!shape.name) throw new Error(`${where}: an enum needs a name in the API (named())`);
    let type = this.enums.get(shape.name);
    if (!type) {
      const values = Object.values(inner._zod.def.entries as Record<string, string>);
      const known = this.schema.getType(shape.name);
      if (known) {
        // An enum the API defines itself (for a type of its own too): the tool's values must be its values.
        const same = known instanceof GraphQLEnumType && sameValues(known, values);
        if (!same) throw new Error(`${where}: the API's ${shape.name} is not an enum of the same values`);
        this.enums.set(shape.name, known);
        return known;
      }
      const names = values.map(enumValueName);
      if (new Set(names).size !== names.length) throw new Error(`${where}: two values of ${shape.name} have one name`);
      type = new GraphQLEnumType({
        name: shape.name,
        description: description(inner),
        values: Object.fromEntries(values.map((v, i) => [names[i], { value: v, description: shape.values?.[v] }])),
      });
      this.enums.set(shape.name, type);
    }
    return type;
  }

  output(schema: Schema, where: string): GraphQLOutputType {
    const { inner, nullable, shape } = unwrap(schema);
    const type = this.outputOf(inner, shape, where);
    return nullable ? type : new GraphQLNonNull(type);
  }

  private outputOf(inner: Schema, shape: ApiShape, where: string): GraphQLOutputType {
    if (shape.type) {
      const type = this.existing(shape.type);
      if (!isOutputType(type)) throw new Error(`${where}: ${shape.type} is not an output type`);
      return type;
    }
    const def = inner._zod.def;
    if (def.type === "array") return new GraphQLList(this.output(def.element as Schema, where));
    if (def.type !== "object") return this.leaf(inner, shape, where);
    if (!shape.name) throw new Error(`${where}: an object needs a name in the API (named())`);
    const known = this.objects.get(shape.name);
    if (known) return known;
    const fields = def.shape as Record<string, Schema>;
    const type = new GraphQLObjectType({
      name: shape.name,
      description: description(inner),
      fields: () =>
        Object.fromEntries(
          Object.entries(fields).map(([name, f]) => [
            name,
            { type: this.output(f, `${shape.name}.${name}`), description: description(f) },
          ]),
        ),
    });
    this.objects.set(shape.name, type);
    return type;
  }

  input(schema: Schema, where: string): GraphQLInputType {
    const { inner, nullable, shape } = unwrap(schema);
    const type = this.inputOf(inner, shape, where);
    return nullable ? type : new GraphQLNonNull(type);
  }

  private inputOf(inner: Schema, shape: ApiShape, where: string): GraphQLInputType {
    const def = inner._zod.def;
    if (def.type === "array") return new GraphQLList(this.input(def.element as Schema, where));
    if (def.type !== "object") {
      const type = this.leaf(inner, shape, where);
      if (!isInputType(type)) throw new Error(`${where}: not an input type`);
      return type;
    }
    if (!shape.name) throw new Error(`${where}: an input object needs a name in the API (named())`);
    const known = this.inputs.get(shape.name);
    if (known) return known;
    const type = new GraphQLInputObjectType({
      name: shape.name,
      description: description(inner),
      fields: () => this.argsOf(inner, shape.name as string),
    });
    this.inputs.set(shape.name, type);
    return type;
  }

  /** One argument (or input field) per field of an object schema. */
  argsOf(object: Schema, where: string): GraphQLFieldConfigArgumentMap {
    const fields = object._zod.def.shape as Record<string, Schema>;
    return Object.fromEntries(
      Object.entries(fields).map(([name, f]) => [
        name,
        { type: this.input(f, `${where}.${name}`), description: description(f) },
      ]),
    );
  }
}

/** Whether a field's schema takes null as a value of its own (not only as "absent"). */
function takesNull(schema: Schema | undefined): boolean {
  for (let s = schema; s; s = s._zod.def.innerType as Schema | undefined) {
    if (s._zod.def.type === "nullable") return true;
    if (!["optional", "default", "prefault"].includes(s._zod.def.type)) return false;
  }
  return false;
}

/**
 * GraphQL sends an argument left out as null; the tools' schemas expect it left out, unless the
 * field itself takes null (writeFile's expectedVersion: null means "must not exist yet").
 */
function withoutNulls(input: Record<string, unknown>, object: Schema): Record<string, unknown> {
  const fields = object._zod.def.shape as Record<string, Schema>;
  return Object.fromEntries(
    Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || takesNull(fields[k]))),
  );
}

/** Why a read-only tool's mutation is deprecated: its query is the way to call it. */
export const readOnlyMutationDeprecation = (toolId: string): string =>
  `Use the query ${toolId} (same arguments and result): a read is a query. This mutation will be removed in the next release.`;

/**
 * The read-only tools that were mutations before reads became queries: their mutations stay one
 * release, deprecated. A read-only tool added since is a query only.
 */
const formerMutations: ReadonlySet<string> = new Set(["readFile", "listFiles", "stat"]);

export interface ToolOperations {
  queries: GraphQLFieldConfigMap<unknown, Context>;
  mutations: GraphQLFieldConfigMap<unknown, Context>;
}

/**
 * The operations of `tools`, typed against the API types `schema` already has (CommandRun,
 * DateTimeISO…): a mutation per tool that changes something, a query per read-only tool (and,
 * for the reads that were mutations before, their mutation, deprecated). Both call the tool
 * service alike.
 */
export function toolOperations(schema: GraphQLSchema, tools: readonly ToolDefinition[]): ToolOperations {
  const types = new TypeBuilder(schema);
  const ops: ToolOperations = { queries: {}, mutations: {} };
  for (const tool of tools) {
    const input = tool.input as unknown as Schema;
    const args: GraphQLFieldConfigArgumentMap = tool.inputType
      ? { input: { type: types.input(input, tool.id), description: description(input) } }
      : types.argsOf(input, tool.id);
    const field: GraphQLFieldConfig<unknown, Context> = {
      type: types.output(tool.output as unknown as Schema, tool.id),
      args,
      description: tool.description,
      resolve: (_root, received: Record<string, unknown>, ctx) => {
        if (!ctx.principal) throw unauthenticated("A valid API key is required: send `Authorization: Bearer <key>`");
        const given = tool.inputType ? (received.input as Record<string, unknown>) : received;
        return ctx.services.tools.call(tool.id, withoutNulls(given, unwrap(input).inner), ctx.principal);
      },
    };
    if (tool.policy.readOnly) {
      ops.queries[tool.id] = field;
      if (formerMutations.has(tool.id)) {
        ops.mutations[tool.id] = { ...field, deprecationReason: readOnlyMutationDeprecation(tool.id) };
      }
    } else {
      ops.mutations[tool.id] = field;
    }
  }
  return ops;
}

/** `type` with `added` fields, none of which it has already. */
function withFields(
  type: GraphQLObjectType,
  added: GraphQLFieldConfigMap<unknown, Context>,
  kind: string,
): GraphQLObjectType {
  const own = type.toConfig();
  for (const name of Object.keys(added)) {
    if (own.fields[name]) throw new Error(`the ${kind} ${name} exists twice (a tool and a resolver)`);
  }
  return new GraphQLObjectType({ ...own, fields: { ...own.fields, ...added } });
}

/** `schema` with the tools' queries and mutations added to its Query and Mutation types. */
export function withToolOperations(schema: GraphQLSchema, tools: readonly ToolDefinition[]): GraphQLSchema {
  const config = schema.toConfig();
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (!query || !mutation) throw new Error("the schema needs a Query and a Mutation type");
  const ops = toolOperations(schema, tools);
  return new GraphQLSchema({
    ...config,
    query: withFields(query, ops.queries, "query"),
    mutation: withFields(mutation, ops.mutations, "mutation"),
    types: config.types.filter((t) => t !== query && t !== mutation),
  });
}
