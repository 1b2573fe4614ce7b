/** Requests for the API_RATE_LIMIT tests. */
import type { GraphQLFormattedError } from "graphql";
import { CreateApiKeyDocument } from "../generated/graphql.js";
import type { TestServer } from "./server.js";

export interface Answer {
  status: number;
  retryAfter: string | null;
  errors?: GraphQLFormattedError[];
  data?: unknown;
}

/** One plain POST /graphql that needs a key (the key's own name). */
export async function ask(url: string, key: string | null): Promise<Answer> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: "{ me { name } }" }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: GraphQLFormattedError[] };
  return { status: res.status, retryAfter: res.headers.get("retry-after"), ...body };
}

export const newKey = async (s: TestServer, name: string) =>
  (await s.ok(CreateApiKeyDocument, { input: { name, role: "VIEWER" } })).createApiKey.key;

/** Runs one operation over the client's socket and resolves with what it ended with. */
export function runWs(
  client: ReturnType<TestServer["ws"]>,
  query: string,
): Promise<{ data?: unknown; errors?: unknown }> {
  return new Promise((resolve) => {
    let data: unknown;
    client.subscribe(
      { query },
      {
        next: (r) => (data = r.data),
        error: (errors) => resolve({ errors }),
        complete: () => resolve({ data }),
      },
    );
  });
}
