import type { IncomingMessage } from "node:http";
import type { Transform } from "node:stream";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { fetchFailed, fetchLimit } from "./fetch-errors.js";

/** The content types fetched by default (FetchOptions.accept replaces the list), plus application/*+json and +xml. */
export const DEFAULT_CONTENT_TYPES: readonly string[] = [
  "text/html",
  "application/xhtml+xml",
  "text/plain",
  "application/json",
  "application/xml",
  "text/xml",
  "application/pdf",
];

/** Accepts whatever type is declared (robots.txt is read whatever a server calls it). */
export const ANY_CONTENT_TYPE = "*/*";

/** The most content codings stacked on one body (`gzip, br`). */
const MAX_CODINGS = 3;

/** A Content-Type header's media type (lower case, no parameters) and charset; "" when there is none. */
export function parseContentType(header: string | undefined): { type: string; charset: string | null } {
  const [type = "", ...params] = (header ?? "").split(";");
  let charset: string | null = null;
  for (const param of params) {
    const match = /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(param);
    if (match) charset = match[1]!.toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

/** Whether a declared media type may be fetched: nothing is sniffed, no type is no type. */
export function isAcceptedType(type: string, accept?: readonly string[]): boolean {
  if (type === "") return false;
  if (accept) return accept.includes(type) || accept.includes(ANY_CONTENT_TYPE);
  return DEFAULT_CONTENT_TYPES.includes(type) || /^application\/[a-z0-9.!#$&^_-]+\+(json|xml)$/.test(type);
}

/** The decoders for a Content-Encoding header, in the order the body goes through them. */
function decodersFor(contentEncoding: string | undefined, url: string): Transform[] {
  const codings = (contentEncoding ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (codings.length > MAX_CODINGS) throw fetchFailed("malformed", url, "too many content codings");
  return codings.reverse().map((coding) => {
    if (coding === "gzip" || coding === "x-gzip") return createGunzip();
    if (coding === "deflate") return createInflate();
    if (coding === "br") return createBrotliDecompress();
    throw fetchFailed("malformed", url, `content coding ${coding.slice(0, 40)}`);
  });
}

const truncated = Symbol("truncated");

export interface BodyLimits {
  maxBytes: number;
  /** At the cap, keep what came so far instead of failing (robots.txt: its first 500 KiB count). */
  truncate?: boolean;
}

/**
 * Reads a response's body through its decoders, counting bytes AFTER decompression: at the cap
 * everything is destroyed (the response and its socket too), so a gzip bomb inflates no further
 * than `maxBytes`. Rejects with LIMIT_EXCEEDED bytes, or with the stream's own error.
 */
export async function readBody(res: IncomingMessage, url: string, limits: BodyLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (total + chunk.length > limits.maxBytes) {
        if (!limits.truncate) return done(fetchLimit("bytes", limits.maxBytes, url));
        chunks.push(chunk.subarray(0, limits.maxBytes - total));
        total = limits.maxBytes;
        return done(Object.assign(new Error("truncated"), { [truncated]: true }));
      }
      total += chunk.length;
      chunks.push(chunk);
      done();
    },
  });
  let decoders: Transform[];
  try {
    decoders = decodersFor(res.headers["content-encoding"], url);
  } catch (err) {
    res.destroy();
    throw err;
  }
  try {
    await pipeline([res, ...decoders, sink]);
  } catch (err) {
    if (!(err instanceof Error && truncated in err)) throw err;
  }
  return Buffer.concat(chunks, total);
}
