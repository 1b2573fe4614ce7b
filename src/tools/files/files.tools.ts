import { z } from "zod";
import type { Role } from "../../domain/terms.js";
import { dateTime, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolPolicy } from "../registry.js";
import * as fs from "./files.js";
import { lockGuard, recordChange } from "./shared-workspace.js";

const path = z
  .string()
  .min(1)
  .max(4096)
  .describe("A path relative to the workspace root; .., absolute paths and links that lead outside are refused.");
const encoding = named(
  "FileEncoding",
  z.enum(["utf8", "base64"]).describe("Text (UTF-8), or the exact bytes in base64."),
  {
    utf8: "Text, stored as UTF-8 (a read turns bytes that are not UTF-8 into U+FFFD).",
    base64: "The exact bytes, base64-encoded.",
  },
);
const writers: readonly Role[] = ["OPERATOR", "AGENT"];
const readers: readonly Role[] = ["VIEWER", "AGENT"];
const writePolicy: ToolPolicy = { roles: writers, sandbox: false, network: false };
const readPolicy: ToolPolicy = { roles: readers, sandbox: false, network: false, readOnly: true };

/** File contents are not kept in the ToolCall record: only their size. */
const withoutContent = ({ content, ...rest }: { content: string } & Record<string, unknown>) => ({
  ...(rest as Record<string, string | number | boolean | null>),
  contentLength: content.length,
});

const entryType = named(
  "FileEntryType",
  z.enum(["FILE", "DIRECTORY", "SYMLINK", "OTHER"]).describe("What a path of the workspace is."),
  {
    FILE: "A regular file.",
    DIRECTORY: "A directory.",
    SYMLINK: "A symbolic link: never followed (its size is the link's own).",
    OTHER: "Anything else (a FIFO, socket or device): never opened.",
  },
);

const fileEntry = named(
  "FileEntry",
  z
    .object({
      path: z.string().describe("Relative to the workspace root."),
      type: entryType,
      size: z.number().int().describe("Size in bytes (of the link itself for a SYMLINK)."),
      modifiedAt: dateTime().describe("When it was last modified (its mtime)."),
    })
    .describe("One path of the workspace: what it is, its size and when it changed."),
);

const fileWriteResult = named(
  "FileWriteResult",
  z
    .object({
      path: z.string().describe("The file's path, relative to the workspace root."),
      size: z.number().int().describe("The file's size in bytes after the write."),
      version: z.string().describe("The file's new version: pass it as expectedVersion to your next write."),
      created: z.boolean().describe("False when an existing file was replaced."),
    })
    .describe("The file a write or append left."),
);

const writerInput = named(
  "WriteFileInput",
  workspaceInput
    .extend({
      path,
      content: z
        .string()
        .max(150 * 1024 * 1024)
        .describe("The content, encoded as encoding says; the file may grow to at most 10 MiB."),
      encoding: encoding.default("utf8").describe("How content is encoded: text (the default) or base64 of the bytes."),
      expectedVersion: z
        .string()
        .max(100)
        .nullable()
        .optional()
        .describe("The version you last read: the write fails with CONFLICT if the file changed since."),
      createParents: z.boolean().default(true).describe("Default true."),
    })
    .describe("A file to write (or append to) and its content."),
);

const writer = (id: string, op: typeof fs.writeFile, kind: "WRITE" | "APPEND", description: string) =>
  defineTool({
    id,
    description,
    input: writerInput,
    inputType: "WriteFileInput",
    output: fileWriteResult,
    policy: writePolicy,
    recordInput: withoutContent,
    execute: async (ctx, i) => {
      const { resolvedPath, ...written } = await op(ctx.workspace.root, i.path, i.content, {
        limits: ctx.deps.fileLimits,
        encoding: i.encoding,
        expectedVersion: i.expectedVersion,
        createParents: i.createParents,
        guard: lockGuard(ctx),
      });
      await recordChange(ctx, {
        kind,
        path: resolvedPath,
        fromPath: null,
        version: written.version,
        sizeBytes: written.size,
      });
      return written;
    },
  });

export const readFile = defineTool({
  id: "readFile",
  description: "Read a file of the workspace (text as UTF-8, or base64 for bytes); long files are cut at maxBytes.",
  input: workspaceInput.extend({
    path,
    encoding: encoding
      .default("utf8")
      .describe("How to return the content: as text (the default) or base64 of the bytes."),
    maxBytes: z
      .number()
      .int()
      .min(0)
      .max(100 * 1024 * 1024)
      .optional()
      .describe(
        "Return at most this many bytes, 0 to 104,857,600 (default 10 MiB); a longer file comes back truncated.",
      ),
  }),
  output: named(
    "FileContent",
    z
      .object({
        path: z.string().describe("The file's path, relative to the workspace root."),
        content: z.string().describe("The content (its beginning when truncated), encoded as encoding says."),
        encoding,
        size: z.number().int().describe("Size of the whole file in bytes."),
        version: z.string().describe("Pass back as expectedVersion to write without overwriting others' changes."),
        truncated: z.boolean().describe("The file is longer than maxBytes; content holds its beginning."),
      })
      .describe("A file's content, with the version to write it back with."),
  ),
  policy: readPolicy,
  execute: (ctx, i) =>
    fs.readFile(ctx.workspace.root, i.path, {
      limits: ctx.deps.fileLimits,
      encoding: i.encoding,
      maxBytes: i.maxBytes,
    }),
});

export const writeFile = writer(
  "writeFile",
  fs.writeFile,
  "WRITE",
  "Create or overwrite a file. Pass expectedVersion (from readFile/writeFile) to fail with CONFLICT (which gives the current version) instead of overwriting someone else's change; null means the file must not exist yet. A path another agent has locked (lockFile) is refused with CONFLICT naming the holder.",
);

export const appendFile = writer(
  "appendFile",
  fs.appendFile,
  "APPEND",
  "Append to a file, creating it if needed (refused with CONFLICT on a path another agent has locked).",
);

export const listFiles = defineTool({
  id: "listFiles",
  description: "List a directory of the workspace (recursively if asked) with sizes and modification times.",
  input: workspaceInput.extend({
    path: z
      .string()
      .max(4096)
      .default(".")
      .describe('The directory (or one file) to list, relative to the workspace root; default ".", the root.'),
    recursive: z
      .boolean()
      .default(false)
      .describe("List the subdirectories' entries too (not the venv's, from the root). Default false."),
    maxEntries: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe("List at most this many entries, 1 to 100,000 (default 10,000)."),
  }),
  output: named(
    "FileList",
    z
      .object({
        entries: z
          .array(fileEntry)
          .describe("The entries, depth first in name order (a directory's children after it)."),
        truncated: z.boolean().describe("More entries than maxEntries exist."),
      })
      .describe("A directory's entries."),
  ),
  policy: readPolicy,
  execute: (ctx, i) =>
    fs.listFiles(ctx.workspace.root, i.path, {
      limits: ctx.deps.fileLimits,
      recursive: i.recursive,
      maxEntries: i.maxEntries,
    }),
});

export const stat = defineTool({
  id: "stat",
  description: "Type, size and modification time of one path of the workspace.",
  input: workspaceInput.extend({ path }),
  output: fileEntry,
  policy: readPolicy,
  execute: (ctx, i) => fs.stat(ctx.workspace.root, i.path),
});

export const makeDirectory = defineTool({
  id: "makeDirectory",
  description:
    "Create a directory (and its missing parents); refused with CONFLICT inside a folder another agent has locked.",
  input: workspaceInput.extend({ path }),
  output: fileEntry,
  policy: writePolicy,
  execute: (ctx, i) => fs.makeDirectory(ctx.workspace.root, i.path, { guard: lockGuard(ctx) }),
});

export const moveFile = defineTool({
  id: "moveFile",
  description:
    "Move or rename a file or directory inside the workspace (refused with CONFLICT when another agent has locked either path).",
  input: workspaceInput.extend({
    from: path.describe("The file, directory or link to move (a link moves itself, not its target)."),
    to: path.describe("Where to, relative to the workspace root; missing parent directories are made."),
    overwrite: z
      .boolean()
      .default(false)
      .describe("Replace what is at `to` (default false: CONFLICT if something is)."),
  }),
  output: fileEntry,
  policy: writePolicy,
  execute: async (ctx, i) => {
    const { resolvedFrom, resolvedPath, ...moved } = await fs.moveFile(ctx.workspace.root, i.from, i.to, {
      limits: ctx.deps.fileLimits,
      overwrite: i.overwrite,
      createParents: true,
      guard: lockGuard(ctx),
    });
    if (resolvedFrom !== resolvedPath) {
      await recordChange(ctx, {
        kind: "MOVE",
        path: resolvedPath,
        fromPath: resolvedFrom,
        version: null,
        sizeBytes: moved.type === "FILE" ? moved.size : null,
      });
    }
    return moved;
  },
});

export const deleteFile = defineTool({
  id: "deleteFile",
  description:
    "Delete a file or link, or a directory (with its contents only when recursive); refused with CONFLICT when another agent has locked it or anything in it.",
  input: workspaceInput.extend({
    path,
    recursive: z.boolean().default(false).describe("Delete a directory with all its contents. Default false."),
  }),
  output: named(
    "DeletedFile",
    z
      .object({
        path: z.string().describe("The path removed, relative to the workspace root."),
        type: entryType,
      })
      .describe("What deleteFile removed."),
  ),
  policy: writePolicy,
  execute: async (ctx, i) => {
    const { resolvedPath, ...deleted } = await fs.deleteFile(ctx.workspace.root, i.path, {
      recursive: i.recursive,
      guard: lockGuard(ctx),
    });
    await recordChange(ctx, { kind: "DELETE", path: resolvedPath, fromPath: null, version: null, sizeBytes: null });
    return deleted;
  },
});
