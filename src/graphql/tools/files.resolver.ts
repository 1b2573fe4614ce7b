import {
  Arg,
  Authorized,
  Ctx,
  Field,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Resolver,
  registerEnumType,
} from "type-graphql";
import type { FileEntry as FileEntryRow } from "../../tools/files/files.js";
import { principalOf, type Context } from "../context.js";
import { stripNulls } from "./terminal.resolver.js";

const FileEncodingEnum = { utf8: "utf8", base64: "base64" } as const;
const FileEntryTypeEnum = { FILE: "FILE", DIRECTORY: "DIRECTORY", SYMLINK: "SYMLINK", OTHER: "OTHER" } as const;
registerEnumType(FileEncodingEnum, { name: "FileEncoding", description: "utf8: text; base64: exact bytes." });
registerEnumType(FileEntryTypeEnum, { name: "FileEntryType" });

@ObjectType({ simpleResolvers: true })
export class FileContent {
  @Field(() => String) path!: string;
  @Field(() => String) content!: string;
  @Field(() => FileEncodingEnum) encoding!: string;
  @Field(() => Int, { description: "Size of the whole file in bytes." }) size!: number;
  @Field(() => String, { description: "Pass back as expectedVersion to write without overwriting others' changes." })
  version!: string;
  @Field(() => Boolean, { description: "The file is longer than maxBytes; content holds its beginning." })
  truncated!: boolean;
}

@ObjectType({ simpleResolvers: true })
export class FileWriteResult {
  @Field(() => String) path!: string;
  @Field(() => Int) size!: number;
  @Field(() => String) version!: string;
  @Field(() => Boolean, { description: "False when an existing file was replaced." }) created!: boolean;
}

@ObjectType({ simpleResolvers: true })
export class FileEntry {
  @Field(() => String, { description: "Relative to the workspace root." }) path!: string;
  @Field(() => FileEntryTypeEnum) type!: string;
  @Field(() => Int) size!: number;
  @Field(() => Date) modifiedAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class FileList {
  @Field(() => [FileEntry]) entries!: FileEntryRow[];
  @Field(() => Boolean, { description: "More entries than maxEntries exist." }) truncated!: boolean;
}

@ObjectType({ simpleResolvers: true })
export class DeletedFile {
  @Field(() => String) path!: string;
  @Field(() => FileEntryTypeEnum) type!: string;
}

@InputType()
export class WriteFileInput {
  @Field(() => ID) workspaceId!: string;
  @Field(() => String) path!: string;
  @Field(() => String) content!: string;
  @Field(() => FileEncodingEnum, { nullable: true }) encoding?: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The version you last read: the write fails with CONFLICT if the file changed since.",
  })
  expectedVersion?: string | null;
  @Field(() => Boolean, { nullable: true, description: "Default true." }) createParents?: boolean | null;
}

const call = <T>(ctx: Context, tool: string, input: object) =>
  ctx.services.tools.call<T>(tool, stripNulls(input), principalOf(ctx));

/** The file tools as mutations (every call is recorded as a ToolCall on the workspace's task). */
@Resolver()
export class FilesResolver {
  @Authorized("VIEWER", "AGENT")
  @Mutation(() => FileContent, { description: "Reads a workspace file (recorded as a tool call)." })
  readFile(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("path", () => String) path: string,
    @Ctx() ctx: Context,
    @Arg("encoding", () => FileEncodingEnum, { nullable: true }) encoding?: string,
    @Arg("maxBytes", () => Int, { nullable: true }) maxBytes?: number,
  ): Promise<FileContent> {
    return call(ctx, "readFile", { workspaceId, path, encoding, maxBytes });
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => FileWriteResult, { description: "Creates or overwrites a file." })
  writeFile(@Arg("input", () => WriteFileInput) input: WriteFileInput, @Ctx() ctx: Context): Promise<FileWriteResult> {
    return call(ctx, "writeFile", input);
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => FileWriteResult, { description: "Appends to a file, creating it if needed." })
  appendFile(@Arg("input", () => WriteFileInput) input: WriteFileInput, @Ctx() ctx: Context): Promise<FileWriteResult> {
    return call(ctx, "appendFile", input);
  }

  @Authorized("VIEWER", "AGENT")
  @Mutation(() => FileList, { description: "Lists a directory (recursively if asked) with sizes and times." })
  listFiles(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Ctx() ctx: Context,
    @Arg("path", () => String, { nullable: true }) path?: string,
    @Arg("recursive", () => Boolean, { nullable: true }) recursive?: boolean,
    @Arg("maxEntries", () => Int, { nullable: true }) maxEntries?: number,
  ): Promise<FileList> {
    return call(ctx, "listFiles", { workspaceId, path, recursive, maxEntries });
  }

  @Authorized("VIEWER", "AGENT")
  @Mutation(() => FileEntry, { description: "Type, size and modification time of a path." })
  stat(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("path", () => String) path: string,
    @Ctx() ctx: Context,
  ): Promise<FileEntry> {
    return call(ctx, "stat", { workspaceId, path });
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => FileEntry, { description: "Creates a directory and its missing parents." })
  makeDirectory(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("path", () => String) path: string,
    @Ctx() ctx: Context,
  ): Promise<FileEntry> {
    return call(ctx, "makeDirectory", { workspaceId, path });
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => FileEntry, { description: "Moves or renames inside the workspace." })
  moveFile(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("from", () => String) from: string,
    @Arg("to", () => String) to: string,
    @Ctx() ctx: Context,
    @Arg("overwrite", () => Boolean, { nullable: true }) overwrite?: boolean,
  ): Promise<FileEntry> {
    return call(ctx, "moveFile", { workspaceId, from, to, overwrite });
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => DeletedFile, { description: "Deletes a file, a link, or a directory (recursive for contents)." })
  deleteFile(
    @Arg("workspaceId", () => ID) workspaceId: string,
    @Arg("path", () => String) path: string,
    @Ctx() ctx: Context,
    @Arg("recursive", () => Boolean, { nullable: true }) recursive?: boolean,
  ): Promise<DeletedFile> {
    return call(ctx, "deleteFile", { workspaceId, path, recursive });
  }
}
