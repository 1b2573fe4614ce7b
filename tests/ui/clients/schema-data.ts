/**
 * What the web apps' caches must know of schema.graphql: README's script, run when the apps are
 * bundled. The page server (page-server.ts) evaluates this module in Node and hands its exports
 * to the bundle as a JSON module, as an app's build step writes them to JSON files; README's
 * snippet matches the two expressions below (a test compares them).
 */
import { readFileSync } from "node:fs";
import { buildSchema, introspectionFromSchema, isAbstractType } from "graphql";

const api = buildSchema(readFileSync(new URL("../../../schema.graphql", import.meta.url), "utf8"));

/** Apollo Client's `possibleTypes`: each interface and union with the object types that may stand for it. */
export const possibleTypes = Object.fromEntries(
  Object.values(api.getTypeMap())
    .filter(isAbstractType)
    .map((type) => [type.name, api.getPossibleTypes(type).map((t) => t.name)]),
);

/** graphcache's `schema`: the whole schema as an introspection result, without descriptions. */
export const schema = introspectionFromSchema(api, { descriptions: false });
