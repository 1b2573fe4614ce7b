import { Field, ID, ObjectType } from "type-graphql";

@ObjectType({ simpleResolvers: true, description: "The isolated directory a task is worked on in." })
export class Workspace {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  path!: string;

  @Field(() => Date)
  createdAt!: Date;
}
