import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { fileChangeKinds, type FileChangeKind } from "../../domain/workspaces/shared-files.service.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

export const FileChangeKindEnum = Object.fromEntries(fileChangeKinds.map((k) => [k, k])) as {
  [K in FileChangeKind]: K;
};

registerEnumType(FileChangeKindEnum, {
  name: "FileChangeKind",
  description: "What a file tool (or an upload) did to a path of a workspace.",
  valuesConfig: {
    WRITE: { description: "writeFile created or replaced the file." },
    APPEND: { description: "appendFile added to the file (or created it)." },
    DELETE: { description: "deleteFile removed the file, link or folder (with its contents when recursive)." },
    MOVE: { description: "moveFile moved or renamed it from fromPath to path." },
    UPLOAD: { description: "A PUT to the file route (/workspaces/<id>/files/<path>) stored the file." },
  },
});

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    "One change made to a workspace's files by a file tool or an upload, and who made it. Commands run in the sandbox change files too, without FileChange records.",
})
export class FileChange {
  @Field(() => ID, { description: "Global id (UUIDv7, ordered by when the change was recorded)." })
  id!: string;

  @Field(() => FileChangeKindEnum, { description: "What was done." })
  kind!: FileChangeKind;

  @Field(() => String, {
    description: "The path changed (for MOVE: the new one), relative to the workspace root, links resolved.",
  })
  path!: string;

  @Field(() => String, { nullable: true, description: "MOVE: where it was before; null for other kinds." })
  fromPath!: string | null;

  @Field(() => String, { description: "Who made it: the agent's name, or the API key's for a person." })
  callerName!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The file's version after the change (sha256:<hex>, what expectedVersion takes); null for DELETE and MOVE.",
  })
  version!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "The file's size in bytes after the change; null for DELETE and a moved folder.",
  })
  sizeBytes!: number | null;

  @Field(() => String, {
    nullable: true,
    description: "SHA-256 of the file's content after the change (hex); null when version is.",
  })
  sha256!: string | null;

  @Field(() => Date, { description: "When it was recorded (right after the change)." })
  at!: Date;
}

export const { Connection: FileChangeConnection } = connectionTypes("FileChange", FileChange);
