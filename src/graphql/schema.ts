import "reflect-metadata";
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { buildSchema, type AuthChecker } from "type-graphql";
import { roleAllows } from "../domain/auth/principal.js";
import { forbidden, unauthenticated } from "../domain/errors.js";
import type { Role } from "../domain/terms.js";
import { AgentResolver } from "./agent/agent.resolver.js";
import { NodeResolver } from "./node/node.resolver.js";
import { ApiKeyResolver } from "./api-key/api-key.resolver.js";
import { SecretResolver } from "./secret/secret.resolver.js";
import type { Context } from "./context.js";
import { TaskEventResolver, TaskResolver } from "./task/task.resolver.js";
import { TaskTreeResolver } from "./task/task-tree.resolver.js";
import { WorkspaceResolver } from "./workspace/workspace.resolver.js";
import { FileChangeResolver } from "./workspace/file-change.resolver.js";
import { TaskCommandUsageResolver, TerminalResolver } from "./tools/terminal.resolver.js";
import { AgentUsageResolver, TaskUsageResolver, UsageReportResolver } from "./usage/usage.resolver.js";
import { TaskControlResolver } from "./control/control.resolver.js";
import { SearchHistoryResolver } from "./search/search-history.resolver.js";
import { CitationResolver, TaskSourcesResolver } from "./research/source.resolver.js";
import { TaskLinksResolver } from "./task/task-link.resolver.js";
import { TaskArtifactsResolver } from "./task/artifact.resolver.js";
import { NotificationResolver, NotificationSubscriptionResolver } from "./notification/notification.resolver.js";
import { ChannelMessageResolver, ChannelResolver, TaskChannelResolver } from "./channel/channel.resolver.js";
import { withToolOperations } from "./tools/tool-operations.js";
import { toolCatalog } from "../tools/catalog.js";
import type { ToolDefinition } from "../tools/registry.js";

const authChecker: AuthChecker<Context, Role> = ({ context }, required) => {
  const p = context.principal;
  if (!p) throw unauthenticated("A valid API key is required: send `Authorization: Bearer <key>`");
  if (!roleAllows(p.role, required)) {
    throw forbidden(`This needs the ${required.join(" or ")} role; your key has ${p.role}`);
  }
  return true;
};

export const resolvers = [
  AgentResolver,
  TaskResolver,
  TaskTreeResolver,
  TaskEventResolver,
  WorkspaceResolver,
  FileChangeResolver,
  ApiKeyResolver,
  TerminalResolver,
  TaskCommandUsageResolver,
  TaskUsageResolver,
  AgentUsageResolver,
  UsageReportResolver,
  TaskControlResolver,
  NodeResolver,
  SearchHistoryResolver,
  TaskSourcesResolver,
  CitationResolver,
  TaskLinksResolver,
  TaskArtifactsResolver,
  SecretResolver,
  NotificationSubscriptionResolver,
  NotificationResolver,
  ChannelResolver,
  ChannelMessageResolver,
  TaskChannelResolver,
] as const;

/**
 * Our subscriptions bring their own `subscribe` (replay from the database, then live), so
 * type-graphql's topic-based pub/sub is never used; it insists on one being configured.
 */
const topicPubSubUnused = {
  publish: () => {
    throw new Error("topic-based subscriptions are not used");
  },
  subscribe: () => {
    throw new Error("topic-based subscriptions are not used");
  },
};

/**
 * The API's schema: type-graphql's resolvers, plus one mutation per tool (and a query per
 * read-only tool) made from its declaration (tools/tool-operations.ts). `tools` defaults to the
 * service's catalog.
 */
export async function buildApiSchema(tools: readonly ToolDefinition[] = toolCatalog): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    authChecker,
    validate: false,
    emitSchemaFile: false,
    pubSub: topicPubSubUnused as never,
  });
  return withRootTypeDescriptions(withToolOperations(schema, tools));
}

/** What the docs (GraphiQL) say of the root types: type-graphql gives them no description. */
const rootTypeDescriptions: Record<string, string> = {
  Query:
    "Reads, with any valid API key unless noted (apiKeys and secrets need ADMIN, usageReport OPERATOR). An AGENT key sees only its own agent's work: another agent's task, run, tool call or workspace is null to it.",
  Mutation:
    "Changes. Agents, tasks and command policies need OPERATOR (or ADMIN), API keys and secrets ADMIN; an AGENT key may move, pause and resume its own agent's tasks, send its heartbeat and use the tools in its workspaces. Every tool call is recorded as a ToolCall.",
  Subscription:
    "Live streams over WebSocket (graphql-ws). taskEvents, commandOutput and channelMessages first replay what is stored after afterSeq, so a client that reconnects with the last seq it saw misses nothing.",
};

/** `schema` with its Query, Mutation and Subscription types described. */
function withRootTypeDescriptions(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (type) type.description = rootTypeDescriptions[type.name];
  }
  return schema;
}

/** The SDL committed as schema.graphql. */
export const printApiSchema = (schema: GraphQLSchema): string => `${printSchema(lexicographicSortSchema(schema))}\n`;
