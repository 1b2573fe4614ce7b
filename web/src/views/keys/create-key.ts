/**
 * createApiKey sent with fetch, outside urql: its answer holds the secret, which must not enter
 * the normalized cache (nor any storage). Only the component that shows it once keeps it.
 */
import { stringifyDocument, type TypedDocumentNode } from "@urql/core";
import { apiErrors, type ApiError } from "../../lib/errors";

export async function rawOperation<R, V>(
  key: string,
  doc: TypedDocumentNode<R, V>,
  variables: V,
): Promise<{ data: R } | { errors: ApiError[] }> {
  try {
    const res = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: stringifyDocument(doc), variables }),
    });
    const body = (await res.json()) as {
      data?: R | null;
      errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    };
    if (body.errors?.length || !body.data)
      return { errors: apiErrors({ graphQLErrors: body.errors ?? [{ message: `HTTP ${res.status}` }] }) };
    return { data: body.data };
  } catch (err) {
    return {
      errors: [{ code: "NETWORK_ERROR", message: `The server could not be reached: ${(err as Error).message}` }],
    };
  }
}
