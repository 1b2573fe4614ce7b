import type { ChannelMemberRecord, ChannelMessageRecord, ChannelRecord } from "../records.js";
import type { Keyset } from "../shared/pagination.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { ChannelKind } from "./channel-terms.js";

/** What channels(filter) narrows to; `memberOf` limits NAMED channels to those with the member. */
export interface ChannelQuery {
  kind: ChannelKind | null;
  taskId: string | null;
  /** Only channels this caller may read without being an ADMIN or OPERATOR (see access.ts). */
  visibleTo: { agentId: string | null; apiKeyId: string; allTaskChannels: boolean } | null;
}

/** Channels, their members and messages (implemented in src/infra/db/stores/channel.store.ts). */
export interface ChannelStore {
  /**
   * Inserts a channel: a new task's (in the task's transaction), or a NAMED one (false when the
   * name is taken).
   */
  insertChannel(tx: TransactionHandle, row: ChannelRecord): Promise<boolean>;
  /** The channel of a task made before channels existed: made now unless another process just did. */
  ensureTaskChannel(row: ChannelRecord): Promise<ChannelRecord>;
  insertMembers(tx: TransactionHandle, rows: readonly ChannelMemberRecord[]): Promise<void>;
  get(id: string): Promise<ChannelRecord | null>;
  byName(name: string): Promise<ChannelRecord | null>;
  byTask(taskId: string): Promise<ChannelRecord | null>;
  /** The members of these channels (all of them in one read), oldest first. */
  members(channelIds: readonly string[]): Promise<ChannelMemberRecord[]>;
  list(query: ChannelQuery, range: Keyset): Promise<ChannelRecord[]>;
  count(query: ChannelQuery): Promise<number>;
  /**
   * Bumps the channel's message counter by one in `tx` and returns the new seq (the row stays
   * locked until the commit on PostgreSQL: writers of one channel commit in seq order).
   */
  nextSeq(tx: TransactionHandle, channelId: string): Promise<number>;
  insertMessage(tx: TransactionHandle, row: ChannelMessageRecord): Promise<void>;
  /** Messages of the channel by this author (an agent, else a key) written at `since` or later. */
  countSince(channelId: string, author: { agentId: string | null; keyId: string | null }, since: Date): Promise<number>;
  /** Messages with seq > afterSeq, ascending, at most `limit`. */
  readAfter(channelId: string, afterSeq: number, limit: number): Promise<ChannelMessageRecord[]>;
  maxSeq(channelId: string): Promise<number>;
  message(id: string): Promise<ChannelMessageRecord | null>;
  /** The agents assigned to any task of the tree (root and descendants) that holds `taskId`. */
  treeAgentIds(taskId: string): Promise<string[]>;
  /** Agents and unrevoked people's API keys with these names (for mentions). */
  participantsNamed(
    names: readonly string[],
  ): Promise<Array<{ name: string; agentId: string | null; apiKeyId: string | null }>>;
  /** Agents and unrevoked people's API keys with these ids. */
  participantsWithIds(
    ids: readonly string[],
  ): Promise<Array<{ name: string; agentId: string | null; apiKeyId: string | null }>>;
}
