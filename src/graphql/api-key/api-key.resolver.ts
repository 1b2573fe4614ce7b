import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { unauthenticated } from "../../domain/errors.js";
import type { AgentRecord, ApiKeyRecord } from "../../domain/records.js";
import { Agent } from "../agent/agent.type.js";
import type { Context, Loaded } from "../context.js";
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from "./api-key.type.js";

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized("ADMIN")
  @Query(() => [ApiKey], { description: "The API keys, oldest first (ADMIN only)." })
  apiKeys(
    @Ctx() ctx: Context,
    @Arg("includeRevoked", () => Boolean, { defaultValue: false, description: "List revoked keys too." })
    includeRevoked: boolean,
  ): Promise<ApiKeyRecord[]> {
    return ctx.services.apiKeys.list(includeRevoked);
  }

  @Authorized()
  @Query(() => ApiKey, { description: "The API key this request is authenticated with." })
  async me(@Ctx() ctx: Context): Promise<ApiKeyRecord> {
    const key = ctx.principal && (await ctx.services.apiKeys.get(ctx.principal.apiKeyId));
    if (!key) throw unauthenticated();
    return key;
  }

  @Authorized("ADMIN")
  @Mutation(() => CreatedApiKey, { description: "Creates a key; the secret is in the result, once." })
  createApiKey(
    @Arg("input", () => CreateApiKeyInput, { description: "The new key's name, role and agent." })
    input: CreateApiKeyInput,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.apiKeys.create(input);
  }

  @Authorized("ADMIN")
  @Mutation(() => ApiKey, { description: "Stops the key at once, including on open WebSocket connections." })
  revokeApiKey(
    @Arg("id", () => ID, { description: "The key to revoke." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<ApiKeyRecord> {
    return ctx.services.apiKeys.revoke(id);
  }

  @FieldResolver(() => Agent, { nullable: true, description: "For AGENT keys: the agent the key acts as." })
  agent(@Root() key: ApiKeyRecord, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return key.agentId ? ctx.loaders.agent.load(key.agentId) : null;
  }
}
