import { Field, ID, InputType, ObjectType } from "type-graphql";
import type { Role } from "../../domain/terms.js";
import { RoleEnum } from "../common/enums.js";

@ObjectType({
  simpleResolvers: true,
  description: "An API key's record. The secret itself is never stored or shown again.",
})
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => String, { description: "The first characters of the secret, to recognise it." })
  prefix!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "Updated at most once a minute." })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true })
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field(() => String, {
    description: "The secret. Shown this once: store it now. Send it as `Authorization: Bearer <key>`.",
  })
  key!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => ID, { nullable: true, description: "Required for AGENT keys: the agent the key acts as." })
  agentId?: string | null;
}
