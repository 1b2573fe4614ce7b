import { GraphQLError } from "graphql";
import type { Principal } from "../domain/auth/principal.js";

/** What resolves an API key's secret to its principal (the API keys service). */
export interface KeyResolver {
  authenticate(secret: string): Promise<Principal | null>;
}

/** A key that was presented and is not valid: 401 over HTTP, close 4401 over WebSocket. */
export const invalidKey = () =>
  new GraphQLError("The API key is missing, malformed, unknown or revoked", {
    extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
  });

/**
 * Who is calling, from the `Authorization: Bearer <key>` value however it arrived: an HTTP
 * header (GraphQL and the file routes) or graphql-ws's `connection_init` payload. No value is
 * anonymous (null); a value that is not a valid key throws invalidKey(). The one place a
 * principal is made; what it may do is domain/auth/access.ts.
 */
export async function principalFrom(authorization: unknown, keys: KeyResolver): Promise<Principal | null> {
  if (authorization === undefined || authorization === null || authorization === "") return null;
  const m = typeof authorization === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  const principal = m?.[1] ? await keys.authenticate(m[1]) : null;
  if (!principal) throw invalidKey();
  return principal;
}
