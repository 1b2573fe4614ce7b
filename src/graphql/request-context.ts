import { randomUUID } from "node:crypto";

/** What the request log line reports about one HTTP request. */
export interface RequestInfo {
  requestId: string;
  operationName?: string | null;
}

/**
 * The request id of the operation an error belongs to, recorded by the Apollo plugin (which
 * sees the context) for the error formatter (which does not). Context is passed explicitly
 * rather than through AsyncLocalStorage: on Node 20 that turns on promise hooks process-wide.
 */
const errorRequestIds = new WeakMap<object, string>();

export const tagErrorRequest = (error: object, requestId: string): void => {
  errorRequestIds.set(error, requestId);
  const original = (error as { originalError?: unknown }).originalError;
  if (original && typeof original === "object") errorRequestIds.set(original, requestId);
};

export const requestIdOfError = (error: unknown): string | undefined =>
  error && typeof error === "object" ? errorRequestIds.get(error) : undefined;

const validId = /^[A-Za-z0-9._:-]{1,64}$/;

/** A client's x-request-id is kept when it is short and plain; otherwise a new one is made. */
export const requestIdFrom = (header: string | string[] | undefined): string =>
  typeof header === "string" && validId.test(header) ? header : randomUUID();
