import { fileActor, type FileActor, type NewFileChange } from "../../domain/workspaces/shared-files.service.js";
import type { ToolContext } from "../registry.js";
import type { WriteGuard } from "./files.js";

/**
 * What the file tools do for workspaces that several tasks and agents share: refuse a change
 * that another holder's advisory lock covers, and record every change with who made it (see
 * src/domain/workspaces/shared-files.service.ts).
 */

/** The holder and author a tool call acts as: its caller's agent (or key), its task and the call. */
export const actorOf = (ctx: ToolContext): FileActor =>
  fileActor(ctx.caller, { taskId: ctx.workspace.taskId, toolCallId: ctx.toolCallId });

/**
 * Refuses (CONFLICT, naming the holder and expiry) a change to a path another holder has locked,
 * and holds the paths against other processes while the change runs.
 */
export const lockGuard =
  (ctx: ToolContext): WriteGuard =>
  (paths, change) =>
    ctx.deps.sharedFiles.guard(ctx.workspace, paths, actorOf(ctx), change);

/** Records a change the call made (after it was made: the file is on disk already). */
export async function recordChange(ctx: ToolContext, change: NewFileChange): Promise<void> {
  await ctx.deps.sharedFiles.recordChange(ctx.workspace.id, change, actorOf(ctx));
}
