import { Field, ID, InputType } from "type-graphql";
import type { SecretKind, SecretScope } from "../../domain/secrets/secret.types.js";
import { maxValueText, SecretKindEnum, SecretScopeEnum } from "./secret.type.js";

@InputType({ description: "A new secret. Its value is encrypted before it is stored and is never shown again." })
export class CreateSecretInput {
  @Field(() => String, {
    description: "1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit; unique within the scope.",
  })
  name!: string;

  @Field(() => SecretKindEnum, { description: "What it is for: tools look secrets up by kind and scope." })
  kind!: SecretKind;

  @Field(() => String, { description: `The secret itself: 1 byte to ${maxValueText} of UTF-8.` })
  value!: string;

  @Field(() => SecretScopeEnum, { description: "Who it is for." })
  scope!: SecretScope;

  @Field(() => ID, {
    nullable: true,
    description: "The agent (AGENT scope) or task (TASK scope) it is for; none for GLOBAL.",
  })
  scopeId?: string | null;
}
