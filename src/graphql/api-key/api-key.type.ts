import { Field, ID, InputType, ObjectType } from "type-graphql";
import type { Role } from "../../domain/terms.js";
import { RoleEnum } from "../common/enums.js";
import { Node } from "../common/node.js";

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "An API key's record. The secret itself is never stored or shown again.",
})
export class ApiKey {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => String, { description: "A name to recognise the key by, 1 to 100 characters." })
  name!: string;

  @Field(() => RoleEnum, { description: "What the key may do." })
  role!: Role;

  @Field(() => String, { description: "The first characters of the secret, to recognise it." })
  prefix!: string;

  @Field(() => Date, { description: "When the key was created." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "Updated at most once a minute." })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When it was revoked; null while the key works." })
  revokedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true, description: "A new API key: its record and, this once, its secret." })
export class CreatedApiKey {
  @Field(() => ApiKey, { description: "The key's record, as apiKeys lists it." })
  apiKey!: ApiKey;

  @Field(() => String, {
    description: "The secret. Shown this once: store it now. Send it as `Authorization: Bearer <key>`.",
  })
  key!: string;
}

@InputType({ description: "A new API key." })
export class CreateApiKeyInput {
  @Field(() => String, { description: "A name to recognise it by, 1 to 100 characters." })
  name!: string;

  @Field(() => RoleEnum, { description: "What it may do; an AGENT key needs agentId, the others must not have one." })
  role!: Role;

  @Field(() => ID, { nullable: true, description: "Required for AGENT keys: the agent the key acts as." })
  agentId?: string | null;
}
