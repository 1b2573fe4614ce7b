import { z } from "zod";
import type { Role } from "../../domain/terms.js";
import { dateTime, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolPolicy } from "../registry.js";
import * as fs from "./files.js";

const path = z.string().min(1).max(4096);
const encoding = named("FileEncoding", z.enum(["utf8", "base64"]).describe("utf8: text; base64: exact bytes."));
const writers: readonly Role[] = ["OPERATOR", "AGENT"];
const readers: readonly Role[] = ["VIEWER", "AGENT"];
const writePolicy: ToolPolicy = { roles: writers, sandbox: false, network: false };
const readPolicy: ToolPolicy = { roles: readers, sandbox: false, network: false, readOnly: true };

/** File contents are not kept in the ToolCall record: only their size. */
const withoutContent = ({ content, ...rest }: { content: string } & Record<string, unknown>) => ({
  ...(rest as Record<string, string | number | boolean | null>),
  contentLength: content.length,
});

const entryType = named("FileEntryType", z.enum(["FILE", "DIRECTORY", "SYMLINK", "OTHER"]));

const fileEntry = named(
  "FileEntry",
  z.object({
    path: z.string().describe("Relative to the workspace root."),
    type: entryType,
    size: z.number().int(),
    modifiedAt: dateTime(),
  }),
);

const fileWriteResult = named(
  "FileWriteResult",
  z.object({
    path: z.string(),
    size: z.number().int(),
    version: z.string(),
    created: z.boolean().describe("False when an existing file was replaced."),
  }),
);

const writerInput = named(
  "WriteFileInput",
  workspaceInput.extend({
    path,
    content: z.string().max(150 * 1024 * 1024),
    encoding: encoding.default("utf8"),
    expectedVersion: z
      .string()
      .max(100)
      .nullable()
      .optional()
      .describe("The version you last read: the write fails with CONFLICT if the file changed since."),
    createParents: z.boolean().default(true).describe("Default true."),
  }),
);

const writer = (id: string, op: typeof fs.writeFile, description: string) =>
  defineTool({
    id,
    description,
    input: writerInput,
    inputType: "WriteFileInput",
    output: fileWriteResult,
    policy: writePolicy,
    recordInput: withoutContent,
    execute: (ctx, i) =>
      op(ctx.workspace.root, i.path, i.content, {
        limits: ctx.deps.fileLimits,
        encoding: i.encoding,
        expectedVersion: i.expectedVersion,
        createParents: i.createParents,
      }),
  });

export const readFile = defineTool({
  id: "readFile",
  description: "Read a file of the workspace (text as UTF-8, or base64 for bytes); long files are cut at maxBytes.",
  input: workspaceInput.extend({
    path,
    encoding: encoding.default("utf8"),
    maxBytes: z
      .number()
      .int()
      .min(0)
      .max(100 * 1024 * 1024)
      .optional(),
  }),
  output: named(
    "FileContent",
    z.object({
      path: z.string(),
      content: z.string(),
      encoding,
      size: z.number().int().describe("Size of the whole file in bytes."),
      version: z.string().describe("Pass back as expectedVersion to write without overwriting others' changes."),
      truncated: z.boolean().describe("The file is longer than maxBytes; content holds its beginning."),
    }),
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
  "Create or overwrite a file. Pass expectedVersion (from readFile/writeFile) to fail with CONFLICT instead of overwriting someone else's change; null means the file must not exist yet.",
);

export const appendFile = writer("appendFile", fs.appendFile, "Append to a file, creating it if needed.");

export const listFiles = defineTool({
  id: "listFiles",
  description: "List a directory of the workspace (recursively if asked) with sizes and modification times.",
  input: workspaceInput.extend({
    path: z.string().max(4096).default("."),
    recursive: z.boolean().default(false),
    maxEntries: z.number().int().min(1).max(100_000).optional(),
  }),
  output: named(
    "FileList",
    z.object({
      entries: z.array(fileEntry),
      truncated: z.boolean().describe("More entries than maxEntries exist."),
    }),
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
  description: "Create a directory (and its missing parents).",
  input: workspaceInput.extend({ path }),
  output: fileEntry,
  policy: writePolicy,
  execute: (ctx, i) => fs.makeDirectory(ctx.workspace.root, i.path),
});

export const moveFile = defineTool({
  id: "moveFile",
  description: "Move or rename a file or directory inside the workspace.",
  input: workspaceInput.extend({ from: path, to: path, overwrite: z.boolean().default(false) }),
  output: fileEntry,
  policy: writePolicy,
  execute: (ctx, i) =>
    fs.moveFile(ctx.workspace.root, i.from, i.to, {
      limits: ctx.deps.fileLimits,
      overwrite: i.overwrite,
      createParents: true,
    }),
});

export const deleteFile = defineTool({
  id: "deleteFile",
  description: "Delete a file or link, or a directory (with its contents only when recursive).",
  input: workspaceInput.extend({ path, recursive: z.boolean().default(false) }),
  output: named("DeletedFile", z.object({ path: z.string(), type: entryType })),
  policy: writePolicy,
  execute: (ctx, i) => fs.deleteFile(ctx.workspace.root, i.path, { recursive: i.recursive }),
});
