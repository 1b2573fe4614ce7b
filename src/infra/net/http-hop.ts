import type { ClientRequest, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { performance } from "node:perf_hooks";
import { policyDenied } from "../../domain/errors.js";
import { normalizeHostName } from "./address-policy.js";
import { isAcceptedType, parseContentType, readBody } from "./body.js";
import type { ConnectGuard } from "./connect-guard.js";
import { abortReason, asFetchError, fetchLimit } from "./fetch-errors.js";

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Statuses whose answer has no body to read or type to check. */
const BODYLESS_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/** One request and its answer, no redirect followed: what the guarded fetch repeats for each hop. */
export interface HopInput {
  url: URL;
  method: "GET" | "POST";
  headers: Readonly<Record<string, string>>;
  body: Buffer | undefined;
  accept: readonly string[] | undefined;
  maxBytes: number;
  truncate?: boolean;
  /** What is left of the whole fetch's time, and the whole (as LIMIT_EXCEEDED quotes it). */
  timeLeftMs: number;
  timeoutMs: number;
  firstByteTimeoutMs: number;
  signal?: AbortSignal;
}

export type HopResult =
  | { kind: "redirect"; status: number; location: string }
  | {
      kind: "final";
      status: number;
      contentType: string;
      charset: string | null;
      headers: Record<string, string>;
      body: Buffer;
      firstByteMs: number;
    };

/** Ends every request in flight (the fetcher closing): each is failed with the error given. */
export type Interrupts = Set<(err: unknown) => void>;

const flatHeaders = (res: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(res.headers)
      .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value]),
  );

/**
 * Sends one request through the guard (its `lookup` checks the addresses connected to) on a socket
 * of its own (no keep-alive: every connection is checked), with the first-byte and total timers.
 * Settles once; whatever ends it destroys the request, the response and the socket.
 */
export function requestOnce(guard: ConnectGuard, input: HopInput, interrupts: Interrupts): Promise<HopResult> {
  const href = input.url.href;
  const hostname = normalizeHostName(input.url.hostname);
  return new Promise<HopResult>((resolve, reject) => {
    const started = performance.now();
    let settled = false;
    let req: ClientRequest | undefined;
    const timers: NodeJS.Timeout[] = [];
    const onAbort = () => fail(abortReason(input.signal!));
    const cleanup = () => {
      settled = true;
      timers.forEach(clearTimeout);
      input.signal?.removeEventListener("abort", onAbort);
      interrupts.delete(fail);
      req?.destroy();
    };
    function fail(err: unknown) {
      if (settled) return;
      cleanup();
      reject(err);
    }
    const succeed = (result: HopResult) => {
      if (settled) return;
      cleanup();
      resolve(result);
    };
    if (input.signal?.aborted) return reject(abortReason(input.signal));
    input.signal?.addEventListener("abort", onAbort, { once: true });
    interrupts.add(fail);
    timers.push(setTimeout(() => fail(fetchLimit("time", input.timeoutMs, href)), Math.max(0, input.timeLeftMs)));
    timers.push(
      setTimeout(() => fail(fetchLimit("firstByte", input.firstByteTimeoutMs, href)), input.firstByteTimeoutMs),
    );

    const send = input.url.protocol === "https:" ? httpsRequest : httpRequest;
    try {
      req = send({
        hostname,
        port: input.url.port === "" ? undefined : Number(input.url.port),
        path: `${input.url.pathname}${input.url.search}`,
        method: input.method,
        headers: { ...input.headers, host: input.url.host, connection: "close" },
        agent: false,
        lookup: guard.lookupFor(href),
      });
    } catch (err) {
      return fail(err);
    }
    req.on("socket", (socket) => {
      socket.once("connect", () => {
        try {
          guard.checkConnected(socket.remoteAddress, hostname, href);
        } catch (err) {
          fail(err);
        }
      });
    });
    req.on("error", (err) => fail(asFetchError(err, href)));
    req.on("response", (res) => {
      res.on("error", () => {}); // settled through `fail` or the body's pipeline
      timers.splice(1).forEach(clearTimeout);
      const firstByteMs = performance.now() - started;
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        return succeed({ kind: "redirect", status, location });
      }
      const { type, charset } = parseContentType(res.headers["content-type"]);
      const headers = flatHeaders(res);
      const answer = { kind: "final" as const, status, contentType: type, charset, headers, firstByteMs };
      if (BODYLESS_STATUSES.has(status)) return succeed({ ...answer, body: Buffer.alloc(0) });
      if (!isAcceptedType(type, input.accept)) {
        // An error status still tells the caller what happened; its body is not read.
        if (status >= 400) return succeed({ ...answer, body: Buffer.alloc(0) });
        return fail(
          policyDenied(
            "content-type",
            `${href} is ${type === "" ? "of no declared type" : type}, which is not fetched`,
            {
              url: href,
              contentType: type,
            },
          ),
        );
      }
      readBody(res, href, { maxBytes: input.maxBytes, truncate: input.truncate }).then(
        (body) => succeed({ ...answer, body }),
        (err: unknown) => fail(asFetchError(err, href)),
      );
    });
    req.end(input.body);
  });
}
