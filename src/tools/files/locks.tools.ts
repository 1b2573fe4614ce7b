import { z } from "zod";
import { badInput } from "../../domain/errors.js";
import type { FileLockRecord } from "../../domain/records.js";
import { FILE_LOCK_TTL_SECONDS } from "../../domain/workspaces/shared-files.service.js";
import { dateTime, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolPolicy } from "../registry.js";
import { withWorkspace } from "./files.js";
import { normalizeUserPath } from "./paths.js";
import { actorOf } from "./shared-workspace.js";

/** Longest path a lock may name (it is part of a unique index): longer ones lock a folder above. */
export const MAX_LOCK_PATH_BYTES = 1024;

const lockPolicy: ToolPolicy = { roles: ["OPERATOR", "AGENT"], sandbox: false, network: false };

const lockPathInput = z
  .string()
  .min(1)
  .max(MAX_LOCK_PATH_BYTES)
  .describe(
    `The file or folder, relative to the workspace root (a folder's lock covers everything under it; "." the whole workspace); at most ${MAX_LOCK_PATH_BYTES} bytes. .., absolute paths and links that lead outside are refused.`,
  );

/**
 * The path a lock is on: the confined walk of the file tools (.., absolute paths and links
 * leading out refused), links resolved as they are now, missing files and folders allowed.
 * Nothing is created and nothing is opened but folders, through the workspace's open root.
 */
async function lockPath(root: string, userPath: string): Promise<string> {
  const requested = normalizeUserPath(userPath);
  if (Buffer.byteLength(requested) > MAX_LOCK_PATH_BYTES) {
    throw badInput("path", `is longer than ${MAX_LOCK_PATH_BYTES} bytes: lock a folder above it`);
  }
  const relative = await withWorkspace(root, async (r) => {
    const loc = await r.locate(requested, { follow: true, allowMissing: true, allowMissingParents: true });
    return loc.relative;
  });
  if (Buffer.byteLength(relative) > MAX_LOCK_PATH_BYTES) {
    throw badInput("path", `leads (through links) to a path longer than ${MAX_LOCK_PATH_BYTES} bytes`);
  }
  return relative;
}

const fileLock = named(
  "FileLock",
  z
    .object({
      path: z.string().describe("The path locked, relative to the workspace root, links resolved when it was taken."),
      holder: z.string().describe("Who holds it: the agent's name, or the API key's for a person."),
      holderAgentId: z.string().nullable().describe("The holding agent's id; null when a person holds it."),
      expiresAt: dateTime().describe("When the lock lapses unless its holder locks the path again."),
    })
    .describe(
      "An advisory lock on a path of a workspace: other holders' file tools may not change it until it lapses.",
    ),
);

const shown = (l: FileLockRecord) => ({
  path: l.path,
  holder: l.holderName,
  holderAgentId: l.holderAgentId,
  expiresAt: l.expiresAt,
});

export const lockFile = defineTool({
  id: "lockFile",
  description: `Lock a file or folder of the workspace for ttlSeconds (${FILE_LOCK_TTL_SECONDS.min} to ${FILE_LOCK_TTL_SECONDS.max}, default ${FILE_LOCK_TTL_SECONDS.default}) so that other agents' file tools cannot write, move or delete it (or anything under a folder) meanwhile; locking it again extends it. Fails with CONFLICT naming the holder and expiry when someone else holds a lock on it, above it or under it. Advisory: commands in the sandbox are not held back. Release it with unlockFile.`,
  input: workspaceInput.extend({
    path: lockPathInput,
    ttlSeconds: z
      .number()
      .int()
      .min(FILE_LOCK_TTL_SECONDS.min)
      .max(FILE_LOCK_TTL_SECONDS.max)
      .default(FILE_LOCK_TTL_SECONDS.default)
      .describe(
        `How long the lock lasts, in seconds: ${FILE_LOCK_TTL_SECONDS.min} to ${FILE_LOCK_TTL_SECONDS.max}; default ${FILE_LOCK_TTL_SECONDS.default}.`,
      ),
  }),
  output: fileLock,
  policy: lockPolicy,
  execute: async (ctx, i) => {
    const path = await lockPath(ctx.workspace.root, i.path);
    return shown(await ctx.deps.sharedFiles.lock(ctx.workspace.id, path, i.ttlSeconds, actorOf(ctx)));
  },
});

export const unlockFile = defineTool({
  id: "unlockFile",
  description:
    "Release your lock on a path (as given to lockFile). Fails with CONFLICT when someone else holds it; released is false when no lock was there (it had lapsed).",
  input: workspaceInput.extend({ path: lockPathInput }),
  output: named(
    "FileUnlockResult",
    z
      .object({
        path: z.string().describe("The path, relative to the workspace root, links resolved."),
        released: z
          .boolean()
          .describe("False when there was no live lock on the path (it had lapsed or was never taken)."),
      })
      .describe("What unlockFile did."),
  ),
  policy: lockPolicy,
  execute: async (ctx, i) => {
    const path = await lockPath(ctx.workspace.root, i.path);
    return { path, released: await ctx.deps.sharedFiles.unlock(ctx.workspace.id, path, actorOf(ctx)) };
  },
});
