import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { maxSecretValueBytes } from "../../domain/secrets/secret-input.js";
import { secretKinds, secretScopes, type SecretKind, type SecretScope } from "../../domain/secrets/secret.types.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const SecretKindEnum = asEnum(secretKinds);
export const SecretScopeEnum = asEnum(secretScopes);

registerEnumType(SecretKindEnum, {
  name: "SecretKind",
  description: "What a secret is for: tools and services look a secret up by its kind and scope.",
  valuesConfig: {
    GITHUB_TOKEN: { description: "A GitHub personal access token or fine-grained token (git and the GitHub tools)." },
    GITHUB_APP_PRIVATE_KEY: { description: "A GitHub App's private key (PEM): the service signs in as the App." },
    GITHUB_WEBHOOK_SECRET: { description: "The secret GitHub signs webhook deliveries with (X-Hub-Signature-256)." },
    SMTP_PASSWORD: { description: "The password of the mail server the email tools send through." },
    WEBHOOK_SIGNING_SECRET: {
      description: "The key outbound webhooks are signed with (HMAC-SHA256 of the body in X-Agent-Signature).",
    },
    MODEL_API_KEY: { description: "A model provider's API key (per agent, with AGENT scope)." },
    OTHER: { description: "Anything else, looked up by name." },
  },
});

registerEnumType(SecretScopeEnum, {
  name: "SecretScope",
  description:
    "Who a secret is for. A lookup takes the most specific one of the kind: the task's (TASK), then its agent's (AGENT), then GLOBAL.",
  valuesConfig: {
    GLOBAL: { description: "Every agent and task (no scopeId)." },
    AGENT: { description: "The tasks of one agent (scopeId: the agent's id)." },
    TASK: { description: "One task (scopeId: the task's id)." },
    SUBSCRIPTION: {
      description:
        "One webhook subscription's own signing secret (scopeId: the subscription's id); set by subscribeNotifications, never by createSecret.",
    },
  },
});

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    "A secret's record (ADMIN only). The value is encrypted at rest and never shown: only its last characters are. It is decrypted only when a tool or service uses it, which is recorded here.",
})
export class Secret {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => String, { description: "Unique within its scope; letters, digits, '_', '.' and '-', 1 to 100." })
  name!: string;

  @Field(() => SecretKindEnum, { description: "What it is for." })
  kind!: SecretKind;

  @Field(() => SecretScopeEnum, { description: "Who it is for." })
  scope!: SecretScope;

  @Field(() => String, {
    description:
      "The value's last four characters (for a value shorter than 12 characters, fewer: at most a third of it), to recognise it.",
  })
  last4!: string;

  @Field(() => String, {
    description: "The id of the master key its data key is wrapped by (the first 16 hex digits of the key's sha256).",
  })
  masterKeyId!: string;

  @Field(() => Date, { description: "When it was created." })
  createdAt!: Date;

  @Field(() => Date, { description: "When its value was last set (createSecret or updateSecret)." })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: "When a tool or service last decrypted it; null: never." })
  lastUsedAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'What last used it (a tool id such as "gitPush", or e.g. "webhook signature").',
  })
  lastUsedFor!: string | null;

  @Field(() => ID, { nullable: true, description: "The ToolCall that last used it, when a tool did." })
  lastUsedByToolCallId!: string | null;
}

export const { Connection: SecretConnection, Edge: SecretEdge } = connectionTypes("Secret", Secret);

@ObjectType({ simpleResolvers: true, description: "A secret rotateSecretsKey could not re-wrap, and why." })
export class UnreadableSecret {
  @Field(() => Secret, { description: "The secret, still wrapped by its old master key." })
  secret!: Secret;

  @Field(() => String, {
    description:
      "Why: its master key is not configured (set SECRETS_KEY_PREVIOUS to it) or its wrapped data key was altered.",
  })
  reason!: string;
}

@ObjectType({ simpleResolvers: true, description: "What rotateSecretsKey did." })
export class SecretsKeyRotation {
  @Field(() => String, { description: "The current master key's id: every re-wrapped data key is wrapped by it." })
  currentKeyId!: string;

  @Field(() => Int, { description: "Data keys re-wrapped by this call." })
  rewrapped!: number;

  @Field(() => [UnreadableSecret], {
    description:
      "Secrets still wrapped by another master key because theirs cannot be read; empty when the rotation is complete.",
  })
  remaining!: UnreadableSecret[];
}

/** Quoted in descriptions: the largest value. */
export const maxValueText = `${maxSecretValueBytes / 1024} KiB`;
