import { z } from "zod";
import type { Role } from "../../domain/terms.js";
import { defineTool, workspaceInput, type ToolPolicy } from "../registry.js";
import * as fs from "./files.js";

const path = z.string().min(1).max(4096);
const encoding = z.enum(["utf8", "base64"]).default("utf8");
const writers: readonly Role[] = ["OPERATOR", "AGENT"];
const readers: readonly Role[] = ["VIEWER", "AGENT"];
const writePolicy: ToolPolicy = { roles: writers, sandbox: false, network: false };
const readPolicy: ToolPolicy = { roles: readers, sandbox: false, network: false, readOnly: true };

/** File contents are not kept in the ToolCall record: only their size. */
const withoutContent = ({ content, ...rest }: { content: string } & Record<string, unknown>) => ({
  ...(rest as Record<string, string | number | boolean | null>),
  contentLength: content.length,
});

const writeFileDescription =
  "Create or overwrite a file. Pass expectedVersion (from readFile/writeFile) to fail with CONFLICT instead of overwriting someone else's change; null means the file must not exist yet.";

const writerInput = workspaceInput.extend({
  path,
  content: z.string().max(150 * 1024 * 1024),
  encoding,
  expectedVersion: z.string().max(100).nullable().optional(),
  createParents: z.boolean().default(true),
});

export function fileTools(limits: Partial<fs.FileLimits> = {}) {
  const o = { limits };
  const writer = (id: string, op: typeof fs.writeFile, description: string) =>
    defineTool({
      id,
      description,
      input: writerInput,
      output: z.custom<fs.WriteFileResult>(),
      policy: writePolicy,
      recordInput: withoutContent,
      execute: (ctx, i) =>
        op(ctx.workspace.root, i.path, i.content, {
          ...o,
          encoding: i.encoding,
          expectedVersion: i.expectedVersion,
          createParents: i.createParents,
        }),
    });
  return [
    defineTool({
      id: "readFile",
      description: "Read a file of the workspace (text as UTF-8, or base64 for bytes); long files are cut at maxBytes.",
      input: workspaceInput.extend({
        path,
        encoding,
        maxBytes: z
          .number()
          .int()
          .min(0)
          .max(100 * 1024 * 1024)
          .optional(),
      }),
      output: z.custom<fs.ReadFileResult>(),
      policy: readPolicy,
      execute: (ctx, i) =>
        fs.readFile(ctx.workspace.root, i.path, { ...o, encoding: i.encoding, maxBytes: i.maxBytes }),
    }),
    writer("writeFile", fs.writeFile, writeFileDescription),
    writer("appendFile", fs.appendFile, "Append to a file, creating it if needed."),
    defineTool({
      id: "listFiles",
      description: "List a directory of the workspace (recursively if asked) with sizes and modification times.",
      input: workspaceInput.extend({
        path: z.string().max(4096).default("."),
        recursive: z.boolean().default(false),
        maxEntries: z.number().int().min(1).max(100_000).optional(),
      }),
      output: z.custom<{ entries: fs.FileEntry[]; truncated: boolean }>(),
      policy: readPolicy,
      execute: (ctx, i) =>
        fs.listFiles(ctx.workspace.root, i.path, { ...o, recursive: i.recursive, maxEntries: i.maxEntries }),
    }),
    defineTool({
      id: "stat",
      description: "Type, size and modification time of one path of the workspace.",
      input: workspaceInput.extend({ path }),
      output: z.custom<fs.FileEntry>(),
      policy: readPolicy,
      execute: (ctx, i) => fs.stat(ctx.workspace.root, i.path),
    }),
    defineTool({
      id: "makeDirectory",
      description: "Create a directory (and its missing parents).",
      input: workspaceInput.extend({ path }),
      output: z.custom<fs.FileEntry>(),
      policy: writePolicy,
      execute: (ctx, i) => fs.makeDirectory(ctx.workspace.root, i.path),
    }),
    defineTool({
      id: "moveFile",
      description: "Move or rename a file or directory inside the workspace.",
      input: workspaceInput.extend({ from: path, to: path, overwrite: z.boolean().default(false) }),
      output: z.custom<fs.FileEntry>(),
      policy: writePolicy,
      execute: (ctx, i) =>
        fs.moveFile(ctx.workspace.root, i.from, i.to, { ...o, overwrite: i.overwrite, createParents: true }),
    }),
    defineTool({
      id: "deleteFile",
      description: "Delete a file or link, or a directory (with its contents only when recursive).",
      input: workspaceInput.extend({ path, recursive: z.boolean().default(false) }),
      output: z.custom<{ path: string; type: fs.FileEntryType }>(),
      policy: writePolicy,
      execute: (ctx, i) => fs.deleteFile(ctx.workspace.root, i.path, { recursive: i.recursive }),
    }),
  ];
}
