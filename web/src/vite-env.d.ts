/// <reference types="vite/client" />

declare module "virtual:schema-data" {
  import type { IntrospectionQuery } from "@urql/exchange-graphcache";
  export const schema: IntrospectionQuery;
  export const embedded: string[];
}
