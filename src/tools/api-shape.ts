/**
 * How a tool's zod schemas look in the API, kept apart from the schemas' own metadata (which
 * reaches the model's JSON schema): object and enum types need a name there, `ID` and date
 * fields a scalar, and a value the API already has a type for (a CommandRun) that type's name.
 * The GraphQL layer reads this registry when it builds the tools' operations.
 */
import { z } from "zod";

export interface ApiShape {
  /** The type's name in the API (objects, input objects, enums). */
  name?: string;
  /** A scalar of the API in place of the zod type's own. */
  scalar?: "ID" | "DateTimeISO" | "JSON" | "JSONObject";
  /** An object type the API defines itself (its resolvers live there): the value is one of those. */
  type?: string;
  /** An enum's values described, by value (the API names them in UPPER_CASE: utf8 → UTF8). */
  values?: Record<string, string>;
}

export const apiShapes = z.registry<ApiShape>();

/** Names an object or enum schema in the API (and describes an enum's values). */
export function named<T extends z.ZodType>(name: string, schema: T, values?: Record<string, string>): T {
  apiShapes.add(schema, values ? { name, values } : { name });
  return schema;
}

/** An identifier: `ID` in the API. */
export function asId<T extends z.ZodType>(schema: T): T {
  apiShapes.add(schema, { scalar: "ID" });
  return schema;
}

/** A value of an object type the API defines itself (by name): its shape is that type's. */
export function apiType<T>(name: string): z.ZodType<T> {
  const schema = z.custom<T>();
  apiShapes.add(schema, { type: name });
  return schema;
}

/** A point in time: `DateTimeISO` in the API. */
export function dateTime(): z.ZodDate {
  const schema = z.date();
  apiShapes.add(schema, { scalar: "DateTimeISO" });
  return schema;
}
