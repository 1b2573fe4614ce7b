import { Field, ID, ObjectType } from "type-graphql";
import type { WorkspaceStatus } from "../../domain/terms.js";
import { WorkspaceStatusEnum } from "../common/enums.js";
import { Node } from "../common/node.js";

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "The isolated directory a task is worked on in.",
})
export class Workspace {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => String, { description: "WORKSPACES_DIR/<agentId>/tasks/<taskId>, built from ids only." })
  path!: string;

  @Field(() => WorkspaceStatusEnum, { description: "Whether it can be worked in yet." })
  status!: WorkspaceStatus;

  @Field(() => String, { nullable: true, description: "Why creating the workspace failed (status FAILED)." })
  error!: string | null;

  @Field(() => Date, { description: "When the workspace was first made for its task." })
  createdAt!: Date;

  @Field(() => Date, { description: "When its status, agent or path last changed." })
  updatedAt!: Date;
}
