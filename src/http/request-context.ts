import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

export interface RequestInfo {
  requestId: string;
  operationName?: string | null;
}

const storage = new AsyncLocalStorage<RequestInfo>();

export const currentRequest = (): RequestInfo | undefined => storage.getStore();

export const runWithRequest = <T>(info: RequestInfo, fn: () => T): T => storage.run(info, fn);

const validId = /^[A-Za-z0-9._:-]{1,64}$/;

/** A client's x-request-id is kept when it is short and plain; otherwise a new one is made. */
export const requestIdFrom = (header: string | string[] | undefined): string =>
  typeof header === "string" && validId.test(header) ? header : randomUUID();
