import type { IncomingMessage, ServerResponse } from "node:http";
import { type FileHandle } from "node:fs/promises";
import { extname, posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileTypeFromBuffer } from "file-type";
import type { Role } from "../domain/terms.js";
import { badInput, DomainError, notFound, type ErrorCode } from "../domain/errors.js";
import type { Logger } from "../domain/shared/deps.js";
import { utf8CompletePrefix, type WriteGuard } from "../tools/files/files.js";
import { openForDownload, storeUpload } from "../tools/files/transfer.js";
import { binaryTypes, textTypeFor, typeAllowed } from "./file-types.js";
import { bodyOf, ClientAborted, receive, SAMPLE_BYTES, tooLarge, type Received } from "./upload-body.js";

export { defaultAllowedUploadTypes } from "./file-types.js";
export { receiveChunks, type Received } from "./upload-body.js";
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
  WORKSPACE_REMOVED: 410,
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
