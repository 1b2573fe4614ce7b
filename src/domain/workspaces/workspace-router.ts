import { DomainError } from "../errors.js";
import type { WorkspaceRecord } from "../records.js";

/**
 * Running a workspace operation on the process whose disk holds the workspace (its holder).
 * See docs/workspaces-cluster.md. The transport (src/infra/workspace-remote) carries named
 * operations with a JSON input, an optional byte body, a JSON result and optional byte chunks.
 */

/** Biggest JSON input or result one request carries (bytes go in chunks). */
export const REMOTE_MAX_JSON_BYTES = 8 * 1024 * 1024;
/** Size of one body or reply chunk. */
export const REMOTE_CHUNK_BYTES = 1024 * 1024;

/** What the holder answered: a JSON result and, for byte replies, the chunks that follow it. */
export interface RemoteReply {
  result: unknown;
  chunks: AsyncIterable<Buffer> | null;
}

export interface RemoteRequestOptions {
  signal?: AbortSignal;
  /** Bytes sent along (an upload), written in chunks before the holder is asked. */
  body?: AsyncIterable<Buffer>;
}

/** What a holder runs for one operation: the JSON input, the request's body, a signal for cancellation. */
export type RemoteHandler = (
  input: unknown,
  ctx: { signal: AbortSignal; body: AsyncIterable<Buffer> },
) => Promise<{ result: unknown; chunks?: AsyncIterable<Buffer> }>;

/** The transport between processes (PostgreSQL rows and notifications in the cluster profile). */
export interface WorkspaceRemote {
  /** Asks `holderId` to run `op`; WORKSPACE_UNAVAILABLE when it does not take the request in time or goes silent. */
  request(holderId: string, op: string, input: unknown, opts?: RemoteRequestOptions): Promise<RemoteReply>;
  /** Serves the operations addressed to `holderId` until the returned function is called. */
  serve(holderId: string, handlers: ReadonlyMap<string, RemoteHandler>): Promise<() => Promise<void>>;
}

export const workspaceUnavailable = (why: string): DomainError =>
  new DomainError("WORKSPACE_UNAVAILABLE", `The process holding this workspace did not answer: ${why}`);

export const workspaceLost = (workspaceId: string): DomainError =>
  new DomainError(
    "WORKSPACE_LOST",
    "This workspace is lost: the process holding its files stopped answering. It is READY again if that process comes back with its folder.",
    { workspaceId },
  );

/** Where a workspace's operations run: here, or on its holder. */
export class WorkspaceRouter {
  private readonly handlers = new Map<string, RemoteHandler>();
  /** This process's holder id; null while it makes no workspaces (an API-only process). */
  private self: string | null = null;

  constructor(
    private readonly o: {
      /** WORKSPACES_SHARED=true: every process sees every folder; nothing is routed. */
      shared: boolean;
      /** The transport; null in the embedded profile (one process). */
      remote: WorkspaceRemote | null;
    },
  ) {}

  get selfId(): string | null {
    return this.self;
  }

  /** This process holds workspaces from now on, as `holderId` (a process with workers). */
  becomeHolder(holderId: string): void {
    this.self = holderId;
  }

  /** Whether peers' operations are routed at all (cluster profile, folders not shared). */
  get routes(): boolean {
    return !this.o.shared && this.o.remote !== null;
  }

  /** Whether this process touches the workspace's files itself. */
  isLocal(ws: Pick<WorkspaceRecord, "holderId">): boolean {
    return !this.routes || ws.holderId === null || ws.holderId === this.self;
  }

  /** Registers what this process runs when a peer asks it for `op` (served once `serve()` is called). */
  handle(op: string, handler: RemoteHandler): void {
    this.handlers.set(op, handler);
  }

  /** Runs `op` on the workspace's holder (which must not be this process). */
  forward(
    ws: Pick<WorkspaceRecord, "id" | "holderId" | "status">,
    op: string,
    input: unknown,
    opts: RemoteRequestOptions = {},
  ) {
    if (ws.status === "LOST") throw workspaceLost(ws.id);
    if (!this.o.remote || ws.holderId === null) throw new Error("forward called for a local workspace");
    return this.o.remote.request(ws.holderId, op, input, opts);
  }

  /** Starts answering peers' requests for this process's workspaces; a no-op without a transport or id. */
  async serve(): Promise<() => Promise<void>> {
    if (!this.o.remote || this.self === null || this.o.shared) return async () => {};
    return this.o.remote.serve(this.self, this.handlers);
  }
}

/** JSON that keeps Dates (as {"$date": iso}) and DomainErrors across processes. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : v;
  });
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && typeof o.$date === "string") return new Date(o.$date);
    }
    return v;
  });
}

/** How a failure travels back: a domain error keeps code, message and details; anything else is "internal". */
export function encodeFailure(err: unknown): string {
  if (err instanceof DomainError) {
    return encodeJson({ code: err.code, message: err.message, details: err.details });
  }
  return encodeJson({ code: "INTERNAL", message: "internal error on the workspace holder" });
}

export function decodeFailure(text: string): Error {
  const f = decodeJson(text) as { code: string; message: string; details?: Record<string, unknown> };
  if (f.code === "INTERNAL") return new Error(f.message);
  return new DomainError(f.code as DomainError["code"], f.message, f.details ?? {});
}
