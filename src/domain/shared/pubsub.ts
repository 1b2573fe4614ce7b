/**
 * The pub/sub port: topics and their payloads, declared once, and what the domain needs of a
 * bus (implemented in src/infra/pubsub). Payloads carry ids and sequence
 * numbers only: subscribers read the rows, so a PostgreSQL NOTIFY never exceeds its cap
 * and no secret or large body travels through the bus.
 */
import type { TaskEventType } from "../terms.js";
import type { TransactionHandle } from "./transaction.js";

export interface TopicPayloads {
  /** `type`: the event's type, so listeners skip the events they do not need without reading them. */
  TASK_EVENT: { taskId: string; seq: number; type?: TaskEventType };
  /** `rev`: the change's revision, when the process that made it keeps the row (TaskService). */
  TASK_CHANGED: { taskId: string; rev?: string };
  /** `name`: the agent's new name, when the change renamed it. */
  AGENT_CHANGED: { agentId: string; name?: string };
  API_KEY_REVOKED: { apiKeyId: string };
  COMMAND_OUTPUT: { runId: string; seq: number };
  COMMAND_CHANGED: { runId: string };
  /** Asks whichever process runs the command to stop it. */
  COMMAND_CANCEL: { runId: string };
  /** A person's message waits for the agent working on the task. */
  TASK_MESSAGE: { taskId: string };
  /** An in-app notification numbered `seq` was recorded for the owner key. */
  NOTIFICATION_ADDED: { ownerKeyId: string; seq: number };
  /** A channel message numbered `seq` was posted. */
  CHANNEL_MESSAGE: { channelId: string; seq: number };
  /** A workspace operation waits in workspace_request for the holder `holderId`. */
  WORKSPACE_REQUEST: { holderId: string; requestId: string };
  /** The holder moved a workspace request on (answered, failed, wrote a reply chunk). */
  WORKSPACE_REPLY: { requestId: string };
  /** The requester gave up on a workspace request: its holder stops working on it. */
  WORKSPACE_CANCEL: { requestId: string };
  /** The requester took reply chunks (and deleted them): a holder waiting for room writes on. */
  WORKSPACE_TAKEN: { requestId: string };
}

export type Topic = keyof TopicPayloads;
export const topics: readonly Topic[] = [
  "TASK_EVENT",
  "TASK_CHANGED",
  "AGENT_CHANGED",
  "API_KEY_REVOKED",
  "COMMAND_OUTPUT",
  "COMMAND_CHANGED",
  "COMMAND_CANCEL",
  "TASK_MESSAGE",
  "NOTIFICATION_ADDED",
  "CHANNEL_MESSAGE",
  "WORKSPACE_REQUEST",
  "WORKSPACE_REPLY",
  "WORKSPACE_CANCEL",
  "WORKSPACE_TAKEN",
];

export type Message = { [T in Topic]: { topic: T; payload: TopicPayloads[T] } }[Topic];

export type Handler<T extends Topic> = (payload: TopicPayloads[T]) => void;

export interface PubSub {
  /** Publishes messages; call only after the transaction that wrote their rows committed. */
  publish(messages: readonly Message[]): Promise<void>;
  /**
   * Publishes messages as part of the open transaction `tx`, delivered when it commits and never
   * if it rolls back (PostgreSQL's NOTIFY is transactional). Only where the bus lives in the
   * transaction's database; else undefined, and the caller publishes after the commit.
   */
  publishWithin?(tx: TransactionHandle, messages: readonly Message[]): Promise<void>;
  /** Registers a handler; returns the function that removes it. */
  subscribe<T extends Topic>(topic: T, handler: Handler<T>): () => void;
  close(): Promise<void>;
}
