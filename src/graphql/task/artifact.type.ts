import { Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType({
  simpleResolvers: true,
  description:
    "A file a task produced that the service recorded (a PDF report of generateReport); download it from GET /workspaces/<workspaceId>/files/<path>.",
})
export class Artifact {
  @Field(() => ID, { description: "The artifact's id." })
  id!: string;

  @Field(() => String, { description: "Its path in the task's workspace (output/<name>.pdf)." })
  path!: string;

  @Field(() => String, { description: "What the file is: REPORT." })
  kind!: string;

  @Field(() => Int, { description: "Its size in bytes when it was written." })
  sizeBytes!: number;

  @Field(() => String, { description: "SHA-256 of its bytes when it was written (hex)." })
  sha256!: string;

  @Field(() => Date, { description: "When it was written." })
  createdAt!: Date;
}
