import { Field, ID, ObjectType } from "type-graphql";
import type { WorkspaceStatus } from "../../domain/terms.js";
import { WorkspaceStatusEnum } from "../common/enums.js";

@ObjectType({ simpleResolvers: true, description: "The isolated directory a task is worked on in." })
export class Workspace {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "WORKSPACES_DIR/<agentId>/tasks/<taskId>, built from ids only." })
  path!: string;

  @Field(() => WorkspaceStatusEnum)
  status!: WorkspaceStatus;

  @Field(() => String, { nullable: true, description: "Why creating the workspace failed (status FAILED)." })
  error!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}
