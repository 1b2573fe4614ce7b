import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type FileHandle } from "node:fs/promises";
import { extname, posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileTypeFromBuffer } from "file-type";
import type { Role } from "../domain/terms.js";
import { badInput, DomainError, notFound, type ErrorCode } from "../domain/errors.js";
import type { Logger } from "../domain/shared/deps.js";
import { limitExceeded, utf8CompletePrefix, type WriteGuard } from "../tools/files/files.js";
import { openForDownload, storeUpload } from "../tools/files/transfer.js";
import { normalizeUserPath } from "../tools/files/paths.js";

/**
 * Upload and download of workspace files over plain HTTP:
 *   PUT  /workspaces/:id/files/<path>   body = the file's bytes   → 201 created / 200 replaced
 *   GET  /workspaces/:id/files/<path>   (and HEAD)                → the file, as an attachment
 * Each URL segment after /files/ is percent-decoded on its own and the segments are joined with
 * "/" (so an encoded "%2F" also separates); the result obeys the file tools' path rules.
 *
 * Uploads stream into a hidden temp file in the target's directory and are renamed over the
 * target only once complete and accepted, so a refused, oversized or aborted upload leaves
 * nothing behind (missing parent directories are created, and removed again on failure). Both
 * directions go through the workspace's open root, never a path (see the containment rule in
 * src/infra/workspace-fs/confined.ts).
 * Acceptance is by content: a type file-type recognises by its magic bytes must be in
 * allowedUploadTypes; content without magic is accepted as text when it is valid UTF-8 without
 * NUL bytes, its extension (or name) is in the text allowlist, and its text type — or
 * "text/plain", which stands for every text type — is allowed.
 */

export interface FilePrincipal {
  role: Role;
  agentId: string | null;
}

export interface FileRoutesOptions<P extends FilePrincipal = FilePrincipal> {
  /**
   * The workspace's directory, or null when there is no such workspace (404); `elsewhere` when
   * another process holds its files (the request then goes to `remote`).
   */
  resolveWorkspace: (workspaceId: string) => Promise<{ root: string; elsewhere?: boolean } | null>;
  /** Uploads and downloads of workspaces held by another process (cluster profile). */
  remote?: RemoteFiles<P>;
  /** The caller behind an Authorization header, or null (401). */
  authenticate: (authorizationHeader: string | undefined) => Promise<P | null>;
  /** Whether the caller may see (GET, HEAD) or change (PUT) the workspace's files: domain/auth/access.ts. */
  may: (principal: P, action: "see" | "change", workspaceId: string) => Promise<boolean>;
  limits: {
    maxUploadBytes: number;
    /** When set, an upload may not take the workspace over this total (everything in it counts). */
    maxWorkspaceBytes?: number;
    /** Free space the filesystem keeps (DISK_MIN_FREE_BYTES): an upload that goes under it is refused. */
    minFreeBytes?: number;
  };
  /**
   * Puts an upload in place (`change`) unless another holder has locked its paths (as requested
   * and as reached, links resolved) with lockFile: then throws CONFLICT. See WriteGuard.
   */
  guardWrite?: <T>(
    principal: P,
    workspace: { id: string; root: string },
    paths: readonly string[],
    change: () => Promise<T>,
  ) => Promise<T>;
  /** Records the upload as a FileChange of the workspace, by `principal`. */
  afterWrite?: (
    principal: P,
    workspaceId: string,
    change: { path: string; sizeBytes: number; version: string },
  ) => Promise<void>;
  /** MIME types accepted by content; "image/*" and "*\/*" patterns work; "text/plain" admits all text. */
  allowedUploadTypes: readonly string[];
  logger: Logger;
}

/** What a file request becomes on the workspace's holder: a status and JSON body, or headers and bytes. */
export interface UploadAnswer {
  status: number;
  body: unknown;
}
export interface DownloadAnswer {
  status: number;
  headers: Record<string, string>;
  chunks: AsyncIterable<Buffer> | null;
}

/** The transport of file requests to the holder of a workspace (see docs/workspaces-cluster.md). */
export interface RemoteFiles<P> {
  upload(workspaceId: string, principal: P, path: string, body: AsyncIterable<Buffer>): Promise<UploadAnswer>;
  download(workspaceId: string, path: string, headOnly: boolean): Promise<DownloadAnswer>;
}

export type FileRouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** A reasonable allowedUploadTypes: common images, PDF, archives and every text type. */
export const defaultAllowedUploadTypes: readonly string[] = Object.freeze([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "application/zip",
  "application/gzip",
  "application/x-tar",
  "text/plain",
]);

/** Extensions (and extension-less names) whose content may be uploaded as text, with their type. */
const textTypes: Record<string, string> = {
  ".txt": "text/plain",
  ".text": "text/plain",
  ".log": "text/plain",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".rst": "text/x-rst",
  ".csv": "text/csv",
  ".tsv": "text/tab-separated-values",
  ".json": "application/json",
  ".jsonl": "application/jsonl",
  ".ndjson": "application/x-ndjson",
  ".ipynb": "application/x-ipynb+json",
  ".py": "text/x-python",
  ".pyi": "text/x-python",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".cjs": "text/javascript",
  ".jsx": "text/javascript",
  ".ts": "text/x-typescript",
  ".tsx": "text/x-typescript",
  ".html": "text/html",
  ".htm": "text/html",
  ".css": "text/css",
  ".scss": "text/x-scss",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".toml": "application/toml",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".ini": "text/plain",
  ".cfg": "text/plain",
  ".conf": "text/plain",
  ".env": "text/plain",
  ".sql": "application/sql",
  ".sh": "text/x-shellscript",
  ".r": "text/x-r",
  ".rb": "text/x-ruby",
  ".go": "text/x-go",
  ".rs": "text/x-rust",
  ".java": "text/x-java",
  ".c": "text/x-c",
  ".h": "text/x-c",
  ".cpp": "text/x-c++",
  ".hpp": "text/x-c++",
  ".tex": "text/x-tex",
  ".bib": "text/x-bibtex",
  ".graphql": "application/graphql",
  ".gql": "application/graphql",
  ".proto": "text/plain",
  ".gitignore": "text/plain",
  makefile: "text/plain",
  dockerfile: "text/plain",
  readme: "text/plain",
  license: "text/plain",
  "requirements.txt": "text/plain",
};

/** Binary types served by extension when neither file-type nor the text check names the content. */
const binaryTypes: Record<string, string> = {
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".mp3": "audio/mpeg",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".wasm": "application/wasm",
};

const SAMPLE_BYTES = 64 * 1024;
/** How much of a refused request body is read and dropped (keeping the connection) before closing it. */
const DRAIN_BYTES = 1024 * 1024;

const statusOf: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  POLICY_DENIED: 403,
  LIMIT_EXCEEDED: 413,
  SANDBOX_UNAVAILABLE: 503,
  FETCH_FAILED: 502,
  RATE_LIMITED: 429,
  SEARCH_THROTTLED: 503,
  SEARCH_PARSE_FAILED: 502,
  NOT_CONFIGURED: 503,
  SECRET_UNREADABLE: 500,
  INSUFFICIENT_SCOPES: 403,
  GITHUB_FAILED: 502,
  GIT_FAILED: 502,
  WORKSPACE_UNAVAILABLE: 503,
  WORKSPACE_LOST: 410,
};

/** An HTTP-only failure (no domain equivalent). */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The client went away mid-request: nothing to answer. */
class ClientAborted extends Error {}

const routePattern = /^\/workspaces\/([^/]+)\/files(?:\/(.*))?$/;

const decodeSegment = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw badInput("path", "is not valid percent-encoded UTF-8");
  }
};

/** RFC 6266 attachment with an ASCII fallback and the exact name as RFC 5987 UTF-8. */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_") || "download";
  let encoded: string;
  try {
    encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return `attachment; filename="${fallback}"`;
  }
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

const typeAllowed = (mime: string, allowed: readonly string[]): boolean => {
  const m = mime.toLowerCase();
  return allowed.some((a) => {
    const p = a.toLowerCase();
    if (p === "*/*" || p === m) return true;
    return p.endsWith("/*") && m.startsWith(p.slice(0, -1));
  });
};

/** The text type for a file name, when its extension (or whole name) is in the text allowlist. */
const textTypeFor = (path: string): string | undefined => {
  const name = posix.basename(path).toLowerCase();
  return textTypes[name] ?? textTypes[extname(name)];
};

const detect = async (head: Buffer) => {
  try {
    return await fileTypeFromBuffer(head);
  } catch {
    return undefined;
  }
};

const isText = (sample: Buffer, partial: boolean): boolean => {
  if (sample.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(partial ? utf8CompletePrefix(sample) : sample);
    return true;
  } catch {
    return false;
  }
};

export interface Received {
  size: number;
  version: string;
  head: Buffer;
  /** Valid UTF-8 throughout, without NUL bytes. */
  text: boolean;
}

const tooLarge = (max: number) => limitExceeded("maxUploadBytes", max, `An upload may hold at most ${max} bytes`);

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) off += (await fh.write(chunk, off)).bytesWritten;
}

/** Size, hash, head and text-ness of a body, chunk by chunk; throws past `max` bytes. */
class BodyMeter {
  private readonly hash = createHash("sha256");
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private text = true;
  size = 0;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.max) throw tooLarge(this.max);
    this.hash.update(chunk);
    if (this.text) {
      if (chunk.includes(0)) this.text = false;
      else {
        try {
          this.decoder.decode(chunk, { stream: true });
        } catch {
          this.text = false;
        }
      }
    }
    if (this.headLength < SAMPLE_BYTES) {
      const part = Buffer.from(chunk.subarray(0, SAMPLE_BYTES - this.headLength));
      this.head.push(part);
      this.headLength += part.length;
    }
  }

  finish(): Received {
    if (this.text) {
      try {
        this.decoder.decode();
      } catch {
        this.text = false;
      }
    }
    const version = `sha256:${this.hash.digest("hex")}`;
    return { size: this.size, version, head: Buffer.concat(this.head), text: this.text };
  }
}

/** Writes a body that arrives in chunks (from the API process, on the holder) into `fh`. */
export async function receiveChunks(chunks: AsyncIterable<Buffer>, fh: FileHandle, max: number): Promise<Received> {
  const meter = new BodyMeter(max);
  for await (const chunk of chunks) {
    meter.add(chunk);
    await writeAll(fh, chunk);
  }
  return meter.finish();
}

/** The request body as chunks, refused past `max`; a client that goes away is ClientAborted. */
async function* bodyOf(req: IncomingMessage, max: number): AsyncGenerator<Buffer> {
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooLarge(max);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new ClientAborted(err instanceof Error ? err.message : "client went away");
  }
  if (!req.complete) throw new ClientAborted("client went away");
}

/** Streams the request body into `fh`, hashing and checking it on the way; rejects past `max`. */
function receive(req: IncomingMessage, fh: FileHandle, max: number): Promise<Received> {
  return new Promise((resolve, reject) => {
    if (req.destroyed && !req.complete) {
      reject(new ClientAborted("client went away"));
      return;
    }
    const meter = new BodyMeter(max);
    let writing: Promise<void> = Promise.resolve();
    let settled = false;

    const detach = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onError);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      detach();
      // Let a write in flight finish before the caller closes and deletes the file.
      void writing.then(
        () => reject(err),
        () => reject(err),
      );
    };
    const onData = (chunk: Buffer) => {
      try {
        meter.add(chunk);
      } catch (err) {
        return fail(err);
      }
      req.pause();
      writing = writing
        .then(() => writeAll(fh, chunk))
        .then(() => {
          if (!settled) req.resume();
        });
      writing.catch(fail);
    };
    const onEnd = () => {
      writing.then(() => {
        if (settled) return;
        settled = true;
        detach();
        resolve(meter.finish());
      }, fail);
    };
    const onClose = () => {
      if (!req.complete) fail(new ClientAborted("client went away"));
    };
    const onError = (err: Error) => fail(new ClientAborted(err.message));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onError);
  });
}

/** Reads and drops what is left of a request body, up to DRAIN_BYTES; then drops the connection. */
function discardBody(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  let dropped = 0;
  req.on("data", (c: Buffer) => {
    dropped += c.length;
    if (dropped > DRAIN_BYTES) req.socket.destroy();
  });
  req.on("error", () => undefined);
  req.resume();
}

const baseHeaders = {
  "x-content-type-options": "nosniff",
  "cache-control": "private, no-store",
};

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...baseHeaders,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** A workspace request as the holder of its files answers it (here, or for a peer). */
export interface FileOps<P> {
  upload(
    root: string,
    path: string,
    by: { principal: P; workspaceId: string },
    receiveInto: (fh: FileHandle, max: number) => Promise<Received>,
  ): Promise<UploadAnswer>;
  download(root: string, path: string, headOnly: boolean): Promise<DownloadAnswer>;
}

/** Uploads and downloads against a workspace folder on this process's disk. */
export function createFileOps<P extends FilePrincipal>(
  opts: Omit<FileRoutesOptions<P>, "resolveWorkspace" | "authenticate" | "may" | "remote">,
): FileOps<P> {
  const { logger } = opts;

  const classify = async (body: Received, requested: string): Promise<string> => {
    const detected = await detect(body.head);
    if (detected && typeAllowed(detected.mime, opts.allowedUploadTypes)) return detected.mime;
    const textType = textTypeFor(requested);
    if (
      body.text &&
      textType &&
      (typeAllowed(textType, opts.allowedUploadTypes) || typeAllowed("text/plain", opts.allowedUploadTypes))
    ) {
      return textType;
    }
    throw new HttpError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      detected
        ? `Uploads of type ${detected.mime} are not accepted`
        : "The content is not of an accepted type, nor UTF-8 text in a file with a text extension",
    );
  };

  const guardFor = (principal: P, workspace: { id: string; root: string }): WriteGuard | undefined => {
    const guard = opts.guardWrite;
    return guard && ((paths, change) => guard(principal, workspace, paths, change));
  };

  return {
    async upload(root, path, by, receiveInto) {
      const requested = normalizeUserPath(path);
      let type = "";
      const { body, created, resolvedPath } = await storeUpload(
        root,
        requested,
        opts.limits,
        (fh) => receiveInto(fh, opts.limits.maxUploadBytes),
        async (b) => {
          type = await classify(b, requested);
        },
        guardFor(by.principal, { id: by.workspaceId, root }),
      );
      logger.info({ path: requested, size: body.size, type }, "file uploaded");
      await opts.afterWrite?.(by.principal, by.workspaceId, {
        path: resolvedPath,
        sizeBytes: body.size,
        version: body.version,
      });
      return { status: created ? 201 : 200, body: { path: requested, size: body.size, version: body.version } };
    },

    async download(root, path, headOnly) {
      const requested = normalizeUserPath(path);
      const fh = await openForDownload(root, requested);
      let handedOver = false;
      try {
        const { size } = await fh.stat();
        const sample = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
        let got = 0;
        while (got < sample.length) {
          const { bytesRead } = await fh.read(sample, got, sample.length - got, got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        const head = sample.subarray(0, got);
        const detected = await detect(head);
        const contentType =
          detected?.mime ??
          (isText(head, size > got)
            ? "text/plain; charset=utf-8"
            : (binaryTypes[extname(requested).toLowerCase()] ?? "application/octet-stream"));
        const headers = {
          ...baseHeaders,
          "content-type": contentType,
          "content-length": String(size),
          "content-disposition": contentDisposition(posix.basename(requested)),
          "content-security-policy": "default-src 'none'; sandbox",
        };
        if (headOnly || size === 0) return { status: 200, headers, chunks: null };
        handedOver = true;
        // The stream closes the handle when it ends or is destroyed.
        return { status: 200, headers, chunks: fh.createReadStream({ start: 0, end: size - 1 }) };
      } finally {
        if (!handedOver) await fh.close();
      }
    },
  };
}

/** A holder's answer to an upload, with the upload's own refusals (415) as answers too. */
export async function uploadAnswerOf(run: () => Promise<UploadAnswer>): Promise<UploadAnswer> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof HttpError)
      return { status: err.status, body: { error: { code: err.code, message: err.message } } };
    throw err;
  }
}

export function createFileRoutes<P extends FilePrincipal>(opts: FileRoutesOptions<P>): FileRouteHandler {
  const { logger } = opts;
  const ops = createFileOps(opts);

  async function upload(
    req: IncomingMessage,
    res: ServerResponse,
    ws: { root: string; elsewhere?: boolean },
    path: string,
    by: { principal: P; workspaceId: string },
  ): Promise<void> {
    const max = opts.limits.maxUploadBytes;
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > max) throw tooLarge(max);
    const answer =
      ws.elsewhere && opts.remote
        ? await opts.remote.upload(by.workspaceId, by.principal, path, bodyOf(req, max))
        : await ops.upload(ws.root, path, by, (fh) => receive(req, fh, max));
    sendJson(res, answer.status, answer.body);
  }

  async function download(
    res: ServerResponse,
    ws: { root: string; elsewhere?: boolean },
    workspaceId: string,
    path: string,
    headOnly: boolean,
  ): Promise<void> {
    const answer =
      ws.elsewhere && opts.remote
        ? await opts.remote.download(workspaceId, path, headOnly)
        : await ops.download(ws.root, path, headOnly);
    res.writeHead(answer.status, answer.headers);
    if (!answer.chunks) {
      res.end();
      return;
    }
    const source = answer.chunks instanceof Readable ? answer.chunks : Readable.from(answer.chunks);
    await pipeline(source, res).catch((err: unknown) => logger.debug({ err }, "download interrupted"));
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof ClientAborted) {
      logger.debug({ url: req.url }, "upload aborted by the client");
      return;
    }
    let status: number;
    let error: { code: string; message: string; rule?: string; retryAfterSeconds?: number };
    const headers: Record<string, string> = {};
    if (err instanceof DomainError) {
      status = statusOf[err.code];
      error = { code: err.code, message: err.message };
      if (typeof err.details.rule === "string") error.rule = err.details.rule;
      if (typeof err.details.retryAfterSeconds === "number") {
        error.retryAfterSeconds = err.details.retryAfterSeconds;
        headers["retry-after"] = String(err.details.retryAfterSeconds);
      }
    } else if (err instanceof HttpError) {
      status = err.status;
      error = { code: err.code, message: err.message };
    } else {
      logger.error({ err, method: req.method, url: req.url }, "file request failed");
      status = 500;
      error = { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" };
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    sendJson(res, status, { error }, status === 405 ? { allow: "GET, HEAD, PUT" } : headers);
    discardBody(req);
  }

  return async (req, res, url) => {
    const m = routePattern.exec(url.pathname);
    if (!m) return false;
    const method = (req.method ?? "GET").toUpperCase();
    try {
      if (method !== "GET" && method !== "HEAD" && method !== "PUT") {
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not supported here`);
      }
      const workspaceId = decodeSegment(m[1] ?? "");
      const path = (m[2] ?? "").split("/").map(decodeSegment).join("/");
      const principal = await opts.authenticate(req.headers.authorization);
      if (!principal) throw new HttpError(401, "UNAUTHENTICATED", "A valid API key is required");
      const write = method === "PUT";
      const allowed = await opts.may(principal, write ? "change" : "see", workspaceId);
      if (!allowed) {
        throw new HttpError(403, "FORBIDDEN", `You may not ${write ? "write" : "read"} this workspace's files`);
      }
      const ws = await opts.resolveWorkspace(workspaceId);
      if (!ws) throw notFound("Workspace", workspaceId);
      if (write) await upload(req, res, ws, path, { principal, workspaceId });
      else await download(res, ws, workspaceId, path, method === "HEAD");
    } catch (err) {
      fail(req, res, err);
    }
    return true;
  };
}
