/**
 * The records the domain keeps: plain classes with the fields of each stored row, owned by the
 * domain and used by every layer. The database maps them (src/infra/db/entities.ts); the API has
 * types of its own (the `*.type.ts` files of src/graphql) and never exposes a record by accident.
 */
import type {
  CommandRunStatus,
  ToolCallStatus,
  AgentKind,
  AgentStatus,
  Json,
  Role,
  TaskEventType,
  TaskStatus,
  WorkspaceStatus,
} from "./terms.js";
import type { ToolCallErrorCode } from "./errors.js";
import type { SafeSearch, SearchOutcome } from "./research/search-terms.js";

export class AgentRecord {
  id!: string;
  name!: string;
  status!: AgentStatus;
  /** BUILTIN agents are run by this system's workers; EXTERNAL ones drive their tasks over the API. */
  kind!: AgentKind;
  minComplexity!: number;
  maxComplexity!: number;
  maxConcurrentTasks!: number;
  /** Tasks assigned and not finished; kept in step by the assignment engine's conditional updates. */
  activeTasks!: number;
  lastActiveAt!: Date | null;
  lastHeartbeatAt!: Date | null;
  /** Changes to the command policy for this agent's tasks (see config/tool-policy.json). */
  toolPolicy!: Json;
  /** Default model (or comma-separated fallback list) of a builtin agent; null: the configured tiers and default. */
  model!: string | null;
  /** The agent's role, put at the top of its conversations. */
  instructions!: string | null;
  /** Tool ids this agent's runtime may use; null: every registered tool. */
  tools!: Json;
  /** Its tasks wait in REVIEW for approveTask or rejectTask before they complete. */
  requiresApproval!: boolean;
  /** Addresses and @domain entries its sendEmail may write to, instead of EMAIL_ALLOWED_RECIPIENTS; null: that list. */
  emailRecipients!: string[] | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export class TaskRecord {
  id!: string;
  title!: string;
  description!: string;
  complexity!: number;
  priority!: number;
  status!: TaskStatus;
  assignedAgentId!: string | null;
  assignedAt!: Date | null;
  parentId!: string | null;
  /** The root of the task's delegation tree (the task itself for a root). */
  rootId!: string;
  /** How far below its root the task is (0 for a root). */
  depth!: number;
  /** The agent that delegated the task: it is not assigned to it (null: any agent may take it). */
  delegatedBy!: string | null;
  /**
   * Null: the task has its own workspace. Otherwise it works in its parent's: "" the whole of it,
   * else this subfolder of it (relative, confined like file tool paths).
   */
  sharedFolder!: string | null;
  /** The child tasks the task's run is parked on (waitForTasks); null when it is not parked. */
  waitingFor!: string[] | null;
  /** When a parked task's wait ends anyway (its run is queued with what is known). */
  waitUntil!: Date | null;
  /** Highest TaskEvent.seq written for this task; bumped in the event's own transaction. */
  eventSeq!: number;
  /** Changes to the command policy for this task, applied after its agent's. */
  toolPolicy!: Json;
  /** Budget: the runtime stops the task once its model calls have cost this much (USD). */
  maxCostUsd!: number | null;
  /** Budget: the runtime stops the task once its model calls have used this many tokens. */
  maxTokens!: number | null;
  /** Model (or comma-separated list) for this task, ahead of its agent's default and the tiers. */
  model!: string | null;
  /** null: as its agent says; true/false: this task does or does not wait for approval in REVIEW. */
  requiresApproval!: boolean | null;
  /** Set while the task is paused (by a person, a spent budget, a provider out of credits). */
  pausedAt!: Date | null;
  pauseReason!: string | null;
  /** Set while a finished task waits in REVIEW for approveTask or rejectTask. */
  approvalRequestedAt!: Date | null;
  /** What the agent said it did, from complete_task. */
  summary!: string | null;
  /** For FAILED and CANCELLED: the status it left (its README keeps that phase's checklist). */
  stoppedIn!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export class TaskEventRecord {
  id!: string;
  taskId!: string;
  seq!: number;
  type!: TaskEventType;
  content!: string;
  data!: Json;
  agentId!: string | null;
  createdAt!: Date;
}

export class WorkspaceRecord {
  id!: string;
  path!: string;
  taskId!: string;
  agentId!: string;
  status!: WorkspaceStatus;
  /** Why creation failed (status FAILED). */
  error!: string | null;
  /** The workspace holder (process) whose disk has its folder; null until created. */
  holderId!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** A process that makes and keeps workspaces on its disk (see docs/workspaces-cluster.md). */
export class WorkspaceHolderRecord {
  id!: string;
  /** The host name and process id it last started as, for people. */
  name!: string;
  startedAt!: Date;
  heartbeatAt!: Date;
}

/** A workspace operation asked of its holder (cluster profile). */
export class WorkspaceRequestRecord {
  id!: string;
  holderId!: string;
  op!: string;
  /** PENDING → RUNNING → ANSWERED | FAILED; CANCELLED or ABANDONED by the requester. */
  state!: string;
  input!: string;
  /** How many body chunks the requester wrote before asking. */
  inChunks!: number;
  result!: string | null;
  /** Set when the holder has written every reply chunk: how many. */
  outChunks!: number | null;
  /** The requesting span's W3C traceparent (traces on): the holder's span is its child. */
  traceparent!: string | null;
  createdAt!: Date;
}

/** A piece of a request's body (IN) or of its reply (OUT). */
export class WorkspaceChunkRecord {
  requestId!: string;
  direction!: string;
  seq!: number;
  data!: Buffer;
}

export class ApiKeyRecord {
  id!: string;
  name!: string;
  role!: Role;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  keyHash!: string;
  /** First characters of the secret, for recognising a key in lists. */
  prefix!: string;
  agentId!: string | null;
  /** ENV for the key taken from ADMIN_API_KEY, FILE for the generated bootstrap key, API otherwise. */
  source!: "ENV" | "FILE" | "API";
  createdAt!: Date;
  lastUsedAt!: Date | null;
  revokedAt!: Date | null;
}

export class ToolCallRecord {
  id!: string;
  tool!: string;
  taskId!: string | null;
  workspaceId!: string | null;
  /** Who called: the API key's name and id, and its agent for AGENT keys; "runtime" for the built-in runtime. */
  callerName!: string;
  callerKeyId!: string | null;
  callerAgentId!: string | null;
  /** The validated input, with long strings shortened (file contents are not kept here). */
  input!: Json;
  status!: ToolCallStatus;
  errorCode!: ToolCallErrorCode | null;
  errorMessage!: string | null;
  startedAt!: Date;
  finishedAt!: Date | null;
  durationMs!: number | null;
  /** The built-in runtime's key for the model's tool call (task id and tool call id), so a resumed run never repeats it. */
  invocationKey!: string | null;
}

export class CommandRunRecord {
  id!: string;
  toolCallId!: string | null;
  taskId!: string | null;
  workspaceId!: string;
  program!: string;
  args!: Json;
  status!: CommandRunStatus;
  exitCode!: number | null;
  signal!: string | null;
  /** For LIMIT_EXCEEDED: which limit (wallTime, cpuSeconds, memory, processes, fileSize, output). */
  limit!: string | null;
  durationMs!: number | null;
  cpuTimeMs!: number | null;
  maxRssKb!: number | null;
  stdoutBytes!: number;
  stderrBytes!: number;
  truncated!: boolean;
  sandbox!: string;
  /** Highest CommandOutput.seq written so far. */
  lastOutputSeq!: number;
  createdAt!: Date;
  finishedAt!: Date | null;
}

export type ModelCallOutcome = "SUCCESS" | "RETRY" | "NEXT_MODEL" | "FAILED";

/** One attempt at a model call, with the tokens and cost the provider reported. */
export class ModelCallRecord {
  id!: string;
  taskId!: string | null;
  agentId!: string | null;
  model!: string;
  provider!: string | null;
  /** 1 for the first attempt at a step, 2 for its first retry, … */
  attempt!: number;
  outcome!: ModelCallOutcome;
  errorKind!: string | null;
  promptTokens!: number;
  completionTokens!: number;
  cachedTokens!: number;
  reasoningTokens!: number;
  /** As reported by the provider; 0 when it reported none. */
  costUsd!: number;
  latencyMs!: number;
  createdAt!: Date;
}

/** Who wrote a message of a conversation (the system prompt is made for each call, never stored). */
export const runMessageRoles = ["user", "assistant", "tool"] as const;
export type RunMessageRole = (typeof runMessageRoles)[number];

/** One message of a task's conversation with its model, append-only, numbered per task. */
export class RunMessageRecord {
  id!: string;
  taskId!: string;
  seq!: number;
  role!: RunMessageRole;
  content!: string | null;
  /** assistant: `toolCalls` ({id, name, arguments}[]); tool: `toolCallId` and `name`; user: `author`. */
  data!: Json;
  /** The runtime step that wrote it. */
  step!: number;
  createdAt!: Date;
}

/** A task's runtime state, written in the same transaction as the messages of each step. */
export class AgentRunRecord {
  taskId!: string;
  agentId!: string | null;
  /** Completed steps (model turns). */
  step!: number;
  /** Highest RunMessage.seq. */
  messageSeq!: number;
  /** Time spent working, summed over the runs (waits and pauses excluded). */
  activeMs!: number;
  /** Loop detection: the last tool call's signature and how many times in a row it came. */
  repeatKey!: string | null;
  repeatCount!: number;
  /** Why the run last stopped without finishing the task (not configured, paused …), shown once. */
  waitReason!: string | null;
  startedAt!: Date;
  updatedAt!: Date;
}

/** A message from a person to the agent working on a task, delivered at the agent's next step. */
export class TaskMessageRecord {
  id!: string;
  taskId!: string;
  author!: string;
  text!: string;
  createdAt!: Date;
  deliveredAt!: Date | null;
}

export class CommandOutputRecord {
  id!: string;
  runId!: string;
  seq!: number;
  stream!: "STDOUT" | "STDERR" | "EXIT";
  data!: string;
  createdAt!: Date;
}

/** One web search (hit or miss, success or failure), as `searchHistory` lists it. */
export class SearchHistoryRecord {
  id!: string;
  /** The task whose workspace the search was made in. */
  taskId!: string;
  workspaceId!: string;
  /** The agent of that workspace: an AGENT key sees its own agent's searches only. */
  agentId!: string;
  /** The tool call that made it (null when made outside the tool service). */
  toolCallId!: string | null;
  /** The API key (or agent) that called, by name and id. */
  callerName!: string;
  callerKeyId!: string | null;
  query!: string;
  region!: string;
  safeSearch!: SafeSearch;
  page!: number;
  /** Results returned (after dropping ads and cutting at maxResults); 0 for a failure. */
  resultCount!: number;
  cacheHit!: boolean;
  /** Requests made to the search engine for it (0 for a hit; more than 1 when earlier pages were fetched first). */
  engineRequests!: number;
  latencyMs!: number;
  outcome!: SearchOutcome;
  errorMessage!: string | null;
  createdAt!: Date;
}

/** A result page kept for SEARCH_CACHE_TTL_SECONDS, keyed by the normalized query, region, safe search and page. */
export class SearchCacheRecord {
  /** sha256 (hex) of the key's parts. */
  key!: string;
  query!: string;
  region!: string;
  safeSearch!: SafeSearch;
  page!: number;
  /** The parsed results (ads included, each marked). */
  results!: Json;
  /** The paging form's fields (s, dc, vqd, …) and which endpoint they post to; null on the last page. */
  nextPage!: Json;
  createdAt!: Date;
  expiresAt!: Date;
}

/** A token bucket of the search rate limits (global, or one agent's), shared by every process. */
/** One API key's current rate-limit window (API_RATE_LIMIT): when it began and how many it counted. */
export class RateLimitWindowRecord {
  apiKeyId!: string;
  /** Start of the window, ms since the epoch. */
  windowStart!: number;
  count!: number;
}

export class SearchBucketRecord {
  key!: string;
  /** Tokens at updatedAt; below 0 while calls wait their turn. */
  tokens!: number;
  updatedAt!: Date;
}

/** A search engine's backoff after it throttled us: no process asks it before `until`. */
export class SearchBackoffRecord {
  engine!: string;
  until!: Date;
  /** Throttles in a row (the backoff doubles with each); 0 after a search succeeds. */
  strikes!: number;
  updatedAt!: Date;
}

/**
 * A page or document a task cites (research, addSource): stored only once its fetch, extraction
 * and text file all succeeded, so its text is there to check quotes against.
 */
export class SourceRecord {
  id!: string;
  taskId!: string;
  workspaceId!: string;
  /** The tool call that stored it (research or addSource). */
  toolCallId!: string | null;
  /** The URL asked for. */
  url!: string;
  /** The URL answered, after redirects. */
  finalUrl!: string;
  title!: string;
  /** Authors as written by the page (a byline, a PDF's Author), possibly empty. */
  authors!: string[];
  siteName!: string | null;
  publishedAt!: Date | null;
  /** When it was fetched. */
  accessedAt!: Date;
  /** The media type it was served as (text/html, application/pdf, …). */
  contentType!: string;
  /** sha256 (hex) of the extracted text, as the text file holds it. */
  contentHash!: string;
  /** The workspace file holding its text (relative, under research/). */
  textPath!: string;
  createdAt!: Date;
}

/** One claim of a research synthesis and the passage it quotes from a numbered source. */
export class CitationRecord {
  id!: string;
  taskId!: string;
  /** The research run whose synthesis makes the claim (its citations share it). */
  researchId!: string;
  /** The source number the synthesis cites (1 = the run's first source). */
  number!: number;
  /** The source of that number; null when the number names no source of the run. */
  sourceId!: string | null;
  claim!: string;
  quote!: string;
  /** The quote was found in the source's text. */
  verified!: boolean;
  /** Why it is not verified; null when it is. */
  problem!: string | null;
  createdAt!: Date;
}

/** A many-to-one relation kept as the referenced row's id (the entity property holds the id). */

/**
 * A secret of the store (a GitHub token, an App's private key, an SMTP password, a model key):
 * its value encrypted with its own data key (AES-256-GCM), the data key wrapped by the master key.
 * Never leaves the service in any form but `last4`.
 */
export class SecretRecord {
  id!: string;
  name!: string;
  /** What it is for (see SecretKind): tools look secrets up by kind and scope. */
  kind!: string;
  /** GLOBAL, AGENT or TASK. */
  scope!: string;
  /** The agent or task of an AGENT or TASK secret; "" for GLOBAL (so that the name is unique per scope). */
  scopeId!: string;
  /** base64 of iv (12) | tag (16) | ciphertext: the value under the data key. */
  ciphertext!: string;
  /** base64 of iv (12) | tag (16) | ciphertext: the data key under the master key. */
  wrappedKey!: string;
  /** Which master key wrapped the data key (the first 16 hex digits of its sha256). */
  masterKeyId!: string;
  /** The value's last four characters (fewer when the value is shorter than 12). */
  last4!: string;
  /** Bumped by every change of the value or its wrapping. */
  version!: number;
  createdBy!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
  lastUsedAt!: Date | null;
  /** The tool call that last used it, if a tool did. */
  lastUsedByToolCallId!: string | null;
  /** What last used it (e.g. "gitPush", "webhook signature"). */
  lastUsedFor!: string | null;
}

/** A task tied to a GitHub issue, pull request or pushed branch (`task { links }`). */
export class TaskLinkRecord {
  id!: string;
  taskId!: string;
  /** ISSUE, PULL_REQUEST, BRANCH or COMMENT (a report posted on the issue). */
  kind!: string;
  url!: string;
  /** owner/name of the repository. */
  repository!: string;
  /** The or pull request's number; null for a branch. */
  number!: number | null;
  /** OPEN, CLOSED or MERGED (issues and PRs); PUSHED for a branch; POSTED for a comment. */
  state!: string;
  title!: string;
  /** GitHub's node id of the issue or PR (for mutations); null for a branch. */
  nodeId!: string | null;
  /** The branch (BRANCH links, and a PR's head). */
  branch!: string | null;
  /** The commit a BRANCH link points at. */
  sha!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** A GitHub webhook delivery seen (X-GitHub-Delivery): a second one with the same id is a replay. */
export class WebhookDeliveryRecord {
  id!: string;
  event!: string;
  /** What was done: TASK_CREATED, LINK_UPDATED, IGNORED, … */
  outcome!: string;
  receivedAt!: Date;
}

/** A file a task produced and the service recorded (a PDF report of generateReport), with its size and hash at that moment. */
export class ArtifactRecord {
  id!: string;
  taskId!: string;
  /** Relative to the workspace (output/<name>.pdf): downloadable from the file route. */
  path!: string;
  /** What the file is: REPORT. */
  kind!: string;
  sizeBytes!: number;
  /** SHA-256 of the bytes written (hex). */
  sha256!: string;
  createdAt!: Date;
}

/** A message on its way out (an email, a webhook POST): see src/domain/outbox/outbox.service.ts. */
export class OutboxRecord {
  id!: string;
  /** EMAIL or WEBHOOK. */
  kind!: string;
  /** QUEUED, SENDING, SENT or FAILED. */
  status!: string;
  /** Tries started (claims). */
  attempts!: number;
  /** QUEUED: not before this; SENDING: the claim's lease ends here (then it may be tried again). */
  nextAttemptAt!: Date;
  lastError!: string | null;
  /** The Message-ID (email) or delivery id (webhook), made at enqueue: every try sends the same one. */
  messageId!: string;
  /** The message: recipients, subject, bodies, attachments (EmailPayload), or URL and body (WebhookPayload). */
  payload!: Json;
  taskId!: string | null;
  /** A second enqueue with the same key returns the first row. */
  dedupeKey!: string;
  createdAt!: Date;
  sentAt!: Date | null;
}

/**
 * What an API key holder asked to be told about (subscribeNotifications): which events, through
 * which channel, for which tasks and agents.
 */
export class NotificationSubscriptionRecord {
  id!: string;
  /** The API key that owns it (and receives its IN_APP notifications). */
  ownerKeyId!: string;
  /** EMAIL, WEBHOOK or IN_APP. */
  channel!: string;
  /** An email address (EMAIL) or an http(s) URL (WEBHOOK); null for IN_APP. */
  address!: string | null;
  /** The notification events it wants (NOTIFICATION_EVENTS). */
  events!: string[];
  /** Only tasks of this agent (and this agent's own events); null: any. */
  agentId!: string | null;
  /** Only this task; null: any. */
  taskId!: string | null;
  /** Only tasks of at least this priority; null: any. */
  minPriority!: number | null;
  /** The secret of the secrets store that signs WEBHOOK deliveries; null: none yet. */
  secretId!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** An in-app notification of one owner key, numbered 1, 2, 3 … per owner (notificationAdded replays by it). */
export class NotificationRecord {
  id!: string;
  ownerKeyId!: string;
  seq!: number;
  /** The subscription that made it; null once that subscription is gone. */
  subscriptionId!: string | null;
  /** One notification per subscription and happening: `<subscription>:<event>:<task or agent>:<event seq or stamp>`. */
  dedupeKey!: string;
  event!: string;
  taskId!: string | null;
  agentId!: string | null;
  title!: string;
  body!: string;
  data!: Json;
  readAt!: Date | null;
  createdAt!: Date;
}

/**
 * A channel: a conversation of agents and people. Each task has one (kind TASK, made with it);
 * named ones (kind NAMED) gather any members. Messages are numbered 1, 2, 3 … per channel.
 */
export class ChannelRecord {
  id!: string;
  /** TASK or NAMED. */
  kind!: string;
  /** Unique among NAMED channels; a TASK channel's is `task-<task id>`. */
  name!: string;
  description!: string;
  /** The task of a TASK channel; null for a NAMED one. */
  taskId!: string | null;
  /** Highest ChannelMessage.seq written; bumped in the message's own transaction. */
  messageSeq!: number;
  /** The API key that made a NAMED channel (null for a TASK channel). */
  createdByKeyId!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** A member of a NAMED channel: an agent or an API key holder (exactly one of the two ids). */
export class ChannelMemberRecord {
  id!: string;
  channelId!: string;
  agentId!: string | null;
  apiKeyId!: string | null;
  createdAt!: Date;
}

/** Who wrote or is named in a channel message: an agent or an API key holder. */
export interface ChannelParticipantRef {
  name: string;
  agentId: string | null;
  apiKeyId: string | null;
}

export class ChannelMessageRecord {
  id!: string;
  channelId!: string;
  /** 1, 2, 3 … per channel, with no gaps (the replay cursor of channelMessages). */
  seq!: number;
  /** The author's name as it was when written. */
  authorName!: string;
  /** Set when an agent wrote it (its AGENT key, or the runtime's sendMessage). */
  authorAgentId!: string | null;
  /** The API key that wrote it (null for the built-in runtime, which has no key). */
  authorKeyId!: string | null;
  text!: string;
  /** The agents and people it names (parsed from @name, or given). */
  mentions!: ChannelParticipantRef[];
  /** The message (of the same channel) it answers. */
  replyToId!: string | null;
  createdAt!: Date;
}

/**
 * An advisory lock on a path of a workspace (lockFile): the file tools refuse another holder's
 * write to the path, or under it for a directory, until `expiresAt`. See
 * src/domain/workspaces/shared-files.service.ts.
 */
export class FileLockRecord {
  id!: string;
  workspaceId!: string;
  /** Normalised, relative to the workspace root, links resolved at lock time; "." is the whole workspace. */
  path!: string;
  /** Who holds it: `agent:<id>` for an agent, `key:<id>` for a person's API key. */
  holderKey!: string;
  /** The holder as shown: the agent's or the key's name. */
  holderName!: string;
  holderAgentId!: string | null;
  /** The task the holder worked on when it took (or last extended) the lock. */
  taskId!: string | null;
  /** The lockFile call that took or last extended it. */
  toolCallId!: string | null;
  expiresAt!: Date;
  createdAt!: Date;
  updatedAt!: Date;
}

/** One change a file tool (or an upload) made to a workspace, and who made it. */
export class FileChangeRecord {
  id!: string;
  workspaceId!: string;
  /** WRITE, APPEND, DELETE, MOVE or UPLOAD. */
  kind!: string;
  /** The path changed (for MOVE: where it went), relative to the workspace root, links resolved. */
  path!: string;
  /** MOVE: where it came from. */
  fromPath!: string | null;
  agentId!: string | null;
  /** The caller's name (the agent's, or the API key's for people). */
  callerName!: string;
  toolCallId!: string | null;
  taskId!: string | null;
  /** The file's version after the change (`sha256:<hex>`); null for a delete, a moved directory. */
  version!: string | null;
  sizeBytes!: number | null;
  /** SHA-256 of the content after the change, hex. */
  sha256!: string | null;
  at!: Date;
}
