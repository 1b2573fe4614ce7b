import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { KeyRotationResult, SecretInfo } from "../../domain/secrets/secret.service.js";
import type { SecretKind, SecretScope } from "../../domain/secrets/secret.types.js";
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { principalOf, type Context } from "../context.js";
import { CreateSecretInput } from "./secret.inputs.js";
import {
  maxValueText,
  Secret,
  SecretConnection,
  SecretKindEnum,
  SecretScopeEnum,
  SecretsKeyRotation,
} from "./secret.type.js";

/** The secrets store, for administrators: values go in and never come out. */
@Resolver(() => Secret)
export class SecretResolver {
  @Authorized("ADMIN")
  @Query(() => SecretConnection, { description: "The secrets, newest first, a page at a time (ADMIN only)." })
  async secrets(
    @Ctx() ctx: Context,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Arg("kind", () => SecretKindEnum, { nullable: true, description: "Only secrets of this kind." })
    kind?: SecretKind | null,
    @Arg("scope", () => SecretScopeEnum, { nullable: true, description: "Only secrets of this scope." })
    scope?: SecretScope | null,
  ): Promise<ConnectionShape<SecretInfo>> {
    return toConnection(await ctx.services.secrets.list({ ...paging, kind, scope }));
  }

  @Authorized("ADMIN")
  @Mutation(() => Secret, {
    description: "Stores a secret, encrypted (ADMIN only). A name already used in the scope is CONFLICT.",
  })
  createSecret(
    @Arg("input", () => CreateSecretInput, { description: "The secret's name, kind, value and scope." })
    input: CreateSecretInput,
    @Ctx() ctx: Context,
  ): Promise<SecretInfo> {
    return ctx.services.secrets.create(input, principalOf(ctx).apiKeyId);
  }

  @Authorized("ADMIN")
  @Mutation(() => Secret, {
    description: "Replaces a secret's value (a new data key, wrapped by the current master key) (ADMIN only).",
  })
  updateSecret(
    @Arg("id", () => ID, { description: "The secret to change." }) id: string,
    @Arg("value", () => String, { description: `The new value: 1 byte to ${maxValueText} of UTF-8.` }) value: string,
    @Ctx() ctx: Context,
  ): Promise<SecretInfo> {
    return ctx.services.secrets.update(id, value);
  }

  @Authorized("ADMIN")
  @Mutation(() => Secret, { description: "Deletes a secret and returns its record as it was (ADMIN only)." })
  deleteSecret(
    @Arg("id", () => ID, { description: "The secret to delete." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<SecretInfo> {
    return ctx.services.secrets.delete(id);
  }

  @Authorized("ADMIN")
  @Mutation(() => SecretsKeyRotation, {
    description:
      "Re-wraps every data key not wrapped by the current master key (SECRETS_KEY) with it, reading the old ones with SECRETS_KEY_PREVIOUS; values are not decrypted. Once `remaining` is empty, SECRETS_KEY_PREVIOUS can be removed (ADMIN only).",
  })
  rotateSecretsKey(@Ctx() ctx: Context): Promise<KeyRotationResult> {
    return ctx.services.secrets.rotate();
  }

  @FieldResolver(() => ID, { nullable: true, description: "The agent or task it is for; null for GLOBAL." })
  scopeId(@Root() secret: SecretInfo): string | null {
    return secret.scopeId || null;
  }

  @FieldResolver(() => Boolean, {
    description:
      "Whether its data key is wrapped by the current master key (false until rotateSecretsKey re-wraps it).",
  })
  currentKey(@Root() secret: SecretInfo, @Ctx() ctx: Context): boolean {
    return ctx.services.secrets.isCurrentKey(secret.masterKeyId);
  }
}
