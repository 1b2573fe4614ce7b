import type { Principal } from "../domain/auth/principal.js";
import { notFound, workspaceRemoved } from "../domain/errors.js";
import type { WorkspaceRecord } from "../domain/records.js";
import type { WorkspaceService } from "../domain/workspaces/workspace.service.js";
import { workspaceLost, type WorkspaceRouter } from "../domain/workspaces/workspace-router.js";
import {
  receiveChunks,
  uploadAnswerOf,
  type DownloadAnswer,
  type FileOps,
  type RemoteFiles,
  type UploadAnswer,
} from "./files.js";

/** The workspace operations behind the file routes, run by the workspace's holder. */
export const FILE_UPLOAD_OP = "file.upload";
export const FILE_DOWNLOAD_OP = "file.download";

interface FileRequest {
  workspaceId: string;
  path: string;
}

/** The workspace of a file request, as the file routes see it: READY, or LOST or REMOVED (errors), or none. */
export async function fileWorkspace(
  workspaces: WorkspaceService,
  router: WorkspaceRouter,
  id: string,
): Promise<{ root: string; elsewhere: boolean } | null> {
  const ws = await workspaces.get(id);
  if (ws?.status === "LOST") throw workspaceLost(ws.id);
  if (ws?.status === "REMOVED") throw workspaceRemoved(ws.id, ws.updatedAt);
  return ws && ws.status === "READY" ? { root: ws.path, elsewhere: !router.isLocal(ws) } : null;
}

/** A workspace this holder has, READY, for a peer's file request (re-checked here, not trusted). */
async function heldHere(workspaces: WorkspaceService, router: WorkspaceRouter, id: string): Promise<WorkspaceRecord> {
  const ws = await workspaces.get(id);
  if (!ws || ws.status !== "READY" || !router.isLocal(ws)) throw notFound("Workspace", id);
  return ws;
}

/** Answers peers' file requests for the workspaces this process holds. */
export function serveFileOps(router: WorkspaceRouter, workspaces: WorkspaceService, ops: FileOps<Principal>): void {
  router.handle(FILE_UPLOAD_OP, async (raw, { body }) => {
    const r = raw as FileRequest & { principal: Principal };
    const ws = await heldHere(workspaces, router, r.workspaceId);
    const by = { principal: r.principal, workspaceId: ws.id };
    const answer = await uploadAnswerOf(() =>
      ops.upload(ws.path, r.path, by, (fh, max) => receiveChunks(body, fh, max)),
    );
    return { result: answer };
  });
  router.handle(FILE_DOWNLOAD_OP, async (raw) => {
    const r = raw as FileRequest & { headOnly: boolean };
    const ws = await heldHere(workspaces, router, r.workspaceId);
    const answer = await ops.download(ws.path, r.path, r.headOnly);
    return {
      result: { status: answer.status, headers: answer.headers },
      ...(answer.chunks ? { chunks: answer.chunks } : {}),
    };
  });
}

/** The file routes' way to a workspace held by another process. */
export function remoteFiles(router: WorkspaceRouter, workspaces: WorkspaceService): RemoteFiles<Principal> {
  const target = async (id: string) => {
    const ws = await workspaces.get(id);
    if (!ws) throw notFound("Workspace", id);
    return ws;
  };
  return {
    async upload(workspaceId, principal, path, body) {
      const input = { workspaceId, path, principal };
      const reply = await router.forward(await target(workspaceId), FILE_UPLOAD_OP, input, { body });
      return reply.result as UploadAnswer;
    },
    async download(workspaceId, path, headOnly) {
      const reply = await router.forward(await target(workspaceId), FILE_DOWNLOAD_OP, { workspaceId, path, headOnly });
      const head = reply.result as Omit<DownloadAnswer, "chunks">;
      return { ...head, chunks: reply.chunks };
    },
  };
}
