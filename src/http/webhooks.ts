import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError, type ErrorCode } from "../domain/errors.js";
import type { WebhookOutcome, WebhookRequest, WebhookResult } from "../domain/links/github-webhook.service.js";
import type { Logger } from "../domain/shared/deps.js";

/**
 * POST /webhooks/github: GitHub's webhook deliveries (see docs/github-webhooks.md). The body is
 * read whole, up to maxBodyBytes (413 past it), and handed over as raw bytes: the signature is
 * over them. Every answer is JSON: `{ outcome, message, replay, taskId }` when the delivery was
 * taken, `{ error: { code, message } }` when not. No stack or internal detail is ever in one.
 */
export interface WebhookRoutesOptions {
  /** Handles one delivery (GitHubWebhookService.receive). */
  receive(req: WebhookRequest): Promise<WebhookResult>;
  /** The largest body read (GitHub caps payloads at 25 MB; the ones used here are far smaller). */
  maxBodyBytes: number;
  logger: Logger;
}

export type WebhookRouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** The default body cap: 5 MB. */
export const WEBHOOK_MAX_BODY_BYTES = 5 * 1024 * 1024;

export const GITHUB_WEBHOOK_PATH = "/webhooks/github";

/** Past this many bytes of a refused body the connection is dropped instead of read to its end. */
const DRAIN_BYTES = 1024 * 1024;

/** The status of each refusal (codes the webhook cannot produce answer 500). */
const statusOf: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT_EXCEEDED: 413,
  NOT_CONFIGURED: 503,
  SECRET_UNREADABLE: 500,
};

/** The status of each outcome of a delivery that was taken. */
const outcomeStatus: Record<WebhookOutcome, number> = {
  RECEIVED: 200,
  PING: 200,
  TASK_CREATED: 201,
  TASK_EXISTS: 200,
  LINK_UPDATED: 200,
  IGNORED: 202,
  INVALID: 400,
  FAILED: 200,
};

class BodyTooLarge extends Error {}

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Reads and drops what is left of a refused body, up to DRAIN_BYTES; then drops the connection. */
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

/** The whole body, or BodyTooLarge as soon as it passes `max` bytes (declared or streamed). */
function readRawBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off("data", onData);
        req.off("end", onEnd);
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
  });
}

export function createWebhookRoutes(opts: WebhookRoutesOptions): WebhookRouteHandler {
  const tooLarge = `A webhook body may hold at most ${opts.maxBodyBytes} bytes`;
  return async (req, res, url) => {
    if (url.pathname !== GITHUB_WEBHOOK_PATH) return false;
    const method = (req.method ?? "GET").toUpperCase();
    if (method !== "POST") {
      sendJson(
        res,
        405,
        { error: { code: "METHOD_NOT_ALLOWED", message: "Deliveries are POSTed" } },
        { allow: "POST" },
      );
      discardBody(req);
      return true;
    }
    let body: Buffer;
    try {
      body = await readRawBody(req, opts.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      sendJson(res, 413, { error: { code: "LIMIT_EXCEEDED", message: tooLarge } }, { connection: "close" });
      discardBody(req);
      return true;
    }
    try {
      const r = await opts.receive({
        event: headerValue(req.headers["x-github-event"]),
        deliveryId: headerValue(req.headers["x-github-delivery"]),
        signature: headerValue(req.headers["x-hub-signature-256"]),
        contentType: headerValue(req.headers["content-type"]),
        body,
      });
      sendJson(res, r.replay ? 200 : outcomeStatus[r.outcome], {
        outcome: r.outcome,
        message: r.message,
        replay: r.replay,
        taskId: r.taskId,
      });
    } catch (err) {
      if (err instanceof DomainError) {
        sendJson(res, statusOf[err.code] ?? 500, { error: { code: err.code, message: err.message } });
        return true;
      }
      const requestId = String(res.getHeader("x-request-id") ?? "");
      opts.logger.error({ err, requestId }, "webhook delivery failed");
      sendJson(res, 500, {
        error: { code: "INTERNAL_SERVER_ERROR", message: `Internal server error (request id ${requestId})` },
      });
    }
    return true;
  };
}
