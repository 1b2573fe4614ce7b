import { assertMayUseChannel, mayUseChannel, type Action, type ChannelView } from "../auth/access.js";
import type { Principal } from "../auth/principal.js";
import { badInput, DomainError, invalidFields, notFound, type FieldProblem } from "../errors.js";
import { isId, newId } from "../ids.js";
import {
  ChannelMemberRecord,
  ChannelMessageRecord,
  ChannelRecord,
  type ChannelParticipantRef,
  type TaskRecord,
} from "../records.js";
import type { Channel } from "../shared/channel.js";
import type { Deps } from "../shared/deps.js";
import { keyset, toPage, type Page, type PageArgs } from "../shared/pagination.js";
import type { Message } from "../shared/pubsub.js";
import { SequenceFeed } from "../shared/sequence-feed.js";
import type { TransactionHandle } from "../shared/transaction.js";
import { checkAll, oneOf, optional, text } from "../shared/validate.js";
import { activeStatuses } from "../tasks/task-state.js";
import type { ChannelQuery, ChannelStore } from "./channel.store.js";
import { channelKinds, channelLimits, channelNamePattern, type ChannelKind } from "./channel-terms.js";
import { clean, mentionArgs, seqArg } from "./channel-input.js";
import { parseMentions } from "./mentions.js";
import { taskChannelRow } from "./task-channel.js";

export interface CreateChannelInput {
  name: string;
  description?: string | null;
  /** Ids of agents and API keys. */
  members?: readonly string[] | null;
}

export interface PostMessageInput {
  text: string;
  replyTo?: string | null;
  /** Names or ids of agents and people, on top of those the text mentions with @name. */
  mentions?: readonly string[] | null;
}

export interface ChannelFilter {
  kind?: ChannelKind | null;
  taskId?: string | null;
}

/** What channels need of tasks: a task, the task an agent works on now, and a message to its agent. */
export interface ChannelTaskPort {
  task(id: string): Promise<TaskRecord | null>;
  /** The agent's task at work (its oldest, when it holds several); null when it has none. */
  runningTaskOf(agentId: string): Promise<TaskRecord | null>;
  /** TaskControlService.messageInTx: a message the task's agent sees at its next step. */
  messageInTx(
    tx: TransactionHandle,
    out: Message[],
    taskId: string,
    author: string,
    body: string,
    agentId: string | null,
    data?: Record<string, string | number>,
  ): Promise<unknown>;
}

/** Tasks that still take messages for their agent. */
const listening = (t: TaskRecord | null): t is TaskRecord =>
  !!t && t.assignedAgentId !== null && activeStatuses.includes(t.status);

/**
 * Channels: a task's own (made with it) and named ones for any group of agents and people.
 * Messages are numbered 1, 2, 3 … per channel in the transaction that posts them (the number is
 * the replay cursor of the channelMessages subscription); a mention of an agent, and a person's
 * message in a task channel, reach the working agent's conversation like sendTaskMessage.
 */
export class ChannelService {
  readonly feed: SequenceFeed<ChannelMessageRecord>;
  private readonly unsubscribeFeed: () => void;

  constructor(
    private readonly deps: Deps,
    private readonly store: ChannelStore,
    private readonly tasks: ChannelTaskPort,
    private readonly settings: { messagesPerMinute: number } = { messagesPerMinute: channelLimits.messagesPerMinute },
  ) {
    this.feed = new SequenceFeed<ChannelMessageRecord>(
      { read: (id, afterSeq, limit) => store.readAfter(id, afterSeq, limit), maxSeq: (id) => store.maxSeq(id) },
      deps.logger,
    );
    this.unsubscribeFeed = deps.pubsub.subscribe("CHANNEL_MESSAGE", ({ channelId, seq }) =>
      this.feed.notify(channelId, seq),
    );
  }

  close(): void {
    this.unsubscribeFeed();
    this.feed.close();
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Makes a NAMED channel; the caller (its agent, for an AGENT key) is a member. */
  async create(input: CreateChannelInput, caller: Principal): Promise<ChannelRecord> {
    const v = checkAll({
      name: () => {
        const name = text("name", input.name, { min: 1, max: channelLimits.nameLength });
        if (!channelNamePattern.test(name)) {
          throw badInput("name", "may hold letters, digits, '-', '_' and '.', and starts with a letter or digit");
        }
        if (name.toLowerCase().startsWith("task-")) throw badInput("name", "task-… names are kept for task channels");
        return name;
      },
      description: () => clean("description", input.description ?? "", 0, channelLimits.descriptionLength),
      members: () => this.memberIds(input.members ?? []),
    });
    const members = await this.checkMembers(v.members);
    const now = this.now();
    const channel = Object.assign(new ChannelRecord(), {
      id: newId(),
      kind: "NAMED",
      name: v.name,
      description: v.description,
      taskId: null,
      messageSeq: 0,
      createdByKeyId: caller.apiKeyId || null,
      createdAt: now,
      updatedAt: now,
    });
    const self =
      caller.role === "AGENT"
        ? { agentId: caller.agentId, apiKeyId: null }
        : { agentId: null, apiKeyId: caller.apiKeyId };
    const all = [...members, self].filter(
      (m, i, list) =>
        (m.agentId || m.apiKeyId) && list.findIndex((o) => o.agentId === m.agentId && o.apiKeyId === m.apiKeyId) === i,
    );
    await this.deps.transact(async (tx) => {
      if (!(await this.store.insertChannel(tx, channel))) {
        throw badInput("name", `a channel named "${v.name}" exists already`);
      }
      await this.store.insertMembers(
        tx,
        all.map((m) =>
          Object.assign(new ChannelMemberRecord(), {
            id: newId(),
            channelId: channel.id,
            agentId: m.agentId,
            apiKeyId: m.apiKeyId,
            createdAt: now,
          }),
        ),
      );
    });
    return channel;
  }

  private memberIds(ids: readonly string[]): string[] {
    if (ids.length > channelLimits.members) throw badInput("members", `at most ${channelLimits.members} members`);
    const problems: FieldProblem[] = [];
    ids.forEach((id, i) => {
      if (!isId(id)) problems.push({ path: `members.${i}`, message: "is not an agent's or an API key's id" });
    });
    if (problems.length > 0) throw invalidFields(problems);
    return [...new Set(ids)];
  }

  private async checkMembers(ids: readonly string[]): Promise<ChannelParticipantRef[]> {
    const found = await this.store.participantsWithIds(ids);
    const known = new Set(found.flatMap((p) => [p.agentId, p.apiKeyId]));
    const problems: FieldProblem[] = [];
    ids.forEach((id, i) => {
      if (!known.has(id)) problems.push({ path: `members.${i}`, message: "is no agent and no person's API key" });
    });
    if (problems.length > 0) throw invalidFields(problems);
    return found;
  }

  /** A channel by id or name (a task's id names its channel too); NOT_FOUND naming `field`. */
  async resolve(ref: string, field: string): Promise<ChannelRecord> {
    const found = await this.lookup(ref);
    if (!found) throw notFound("Channel", String(ref).slice(0, 100), field);
    return found;
  }

  private async lookup(ref: string): Promise<ChannelRecord | null> {
    if (typeof ref !== "string") return null;
    if (isId(ref)) return (await this.store.get(ref)) ?? (await this.taskChannel(ref));
    return ref.length <= channelLimits.nameLength + 50 ? this.store.byName(ref) : null;
  }

  /** The task's channel (made now for a task older than channels); null when there is no such task. */
  async taskChannel(taskId: string): Promise<ChannelRecord | null> {
    const existing = await this.store.byTask(taskId);
    if (existing) return existing;
    const task = await this.tasks.task(taskId);
    return task ? this.store.ensureTaskChannel(taskChannelRow(task, this.now())) : null;
  }

  /** What access.ts needs to decide on the channel. */
  async view(channel: ChannelRecord): Promise<ChannelView> {
    if (channel.kind === "TASK" && channel.taskId) {
      const task = await this.tasks.task(channel.taskId);
      const taskId = channel.taskId;
      return {
        kind: "TASK",
        task: { assignedAgentId: task?.assignedAgentId ?? null },
        treeAgentIds: () => this.store.treeAgentIds(taskId),
      };
    }
    const members = await this.store.members([channel.id]);
    return {
      kind: "NAMED",
      memberAgentIds: members.flatMap((m) => (m.agentId ? [m.agentId] : [])),
      memberKeyIds: members.flatMap((m) => (m.apiKeyId ? [m.apiKeyId] : [])),
    };
  }

  /** A channel the caller may `action` (FORBIDDEN otherwise), by id or name. */
  async usable(ref: string, field: string, caller: Principal, action: Action): Promise<ChannelRecord> {
    const channel = await this.resolve(ref, field);
    await assertMayUseChannel(caller, action, await this.view(channel));
    return channel;
  }

  /** A channel by id or name if the caller may read it, else null (as if it did not exist). */
  async find(ref: string, caller: Principal): Promise<ChannelRecord | null> {
    const channel = await this.lookup(ref);
    return channel && (await mayUseChannel(caller, "see", await this.view(channel))) ? channel : null;
  }

  /** Of these channel ids, those the caller may read (node(id) shows channels and messages by them). */
  async readableIds(ids: readonly string[], caller: Principal): Promise<Set<string>> {
    const seen = await Promise.all([...new Set(ids)].map(async (id) => ((await this.visible(id, caller)) ? id : null)));
    return new Set(seen.filter((id): id is string => id !== null));
  }

  /** The channel if the caller may read it, else null (as if it did not exist). */
  async visible(id: string, caller: Principal): Promise<ChannelRecord | null> {
    const channel = isId(id) ? await this.store.get(id) : null;
    return channel && (await mayUseChannel(caller, "see", await this.view(channel))) ? channel : null;
  }

  /** Channels the caller may read, newest first (an agent: its named channels and its own tasks'). */
  async list(args: PageArgs & { filter?: ChannelFilter | null }, caller: Principal): Promise<Page<ChannelRecord>> {
    const range = keyset(args);
    const f = checkAll({
      kind: () => optional(args.filter?.kind, (k) => oneOf("filter.kind", k, channelKinds)),
      taskId: () =>
        optional(args.filter?.taskId, (t) => {
          if (!isId(t)) throw badInput("filter.taskId", "is not a task id");
          return t;
        }),
    });
    const seesAll = caller.role === "ADMIN" || caller.role === "OPERATOR";
    const query: ChannelQuery = {
      kind: f.kind,
      taskId: f.taskId,
      visibleTo: seesAll
        ? null
        : { agentId: caller.agentId, apiKeyId: caller.apiKeyId, allTaskChannels: caller.role !== "AGENT" },
    };
    const rows = await this.store.list(query, range);
    return toPage(rows, range, () => this.store.count(query));
  }

  /** The members of a NAMED channel as participants (empty for a TASK channel). */
  /** The members of each channel (NAMED ones; a TASK channel has none), in two reads for all of them. */
  async membersOf(channelIds: readonly string[]): Promise<Map<string, ChannelParticipantRef[]>> {
    const rows = await this.store.members(channelIds);
    const who = await this.store.participantsWithIds([
      ...new Set(rows.map((m) => (m.agentId ?? m.apiKeyId) as string)),
    ]);
    const byId = new Map(who.map((p) => [(p.agentId ?? p.apiKeyId) as string, p]));
    const out = new Map<string, ChannelParticipantRef[]>(channelIds.map((id) => [id, []]));
    for (const m of rows) {
      const p = byId.get((m.agentId ?? m.apiKeyId) as string);
      if (p) out.get(m.channelId)?.push(p);
    }
    return out;
  }

  /** Messages with seq > after, oldest first (at most `first`, up to channelLimits.page). */
  async messages(
    ref: string,
    after: number | null | undefined,
    first: number | null | undefined,
    caller: Principal,
  ): Promise<ChannelMessageRecord[]> {
    const v = checkAll({
      after: () => seqArg("after", after),
      first: () => {
        const n = first ?? 50;
        if (!Number.isInteger(n) || n < 0 || n > channelLimits.page) {
          throw badInput("first", `must be between 0 and ${channelLimits.page}`);
        }
        return n;
      },
    });
    const channel = await this.usable(ref, "channelId", caller, "see");
    return this.store.readAfter(channel.id, v.after, v.first);
  }

  /** Stored messages with seq > afterSeq, then live ones: no gap, no duplicate. */
  async stream(
    ref: string,
    afterSeq: number | null | undefined,
    caller: Principal,
  ): Promise<Channel<ChannelMessageRecord>> {
    const after = seqArg("afterSeq", afterSeq);
    const channel = await this.usable(ref, "channelId", caller, "see");
    return this.feed.subscribe(channel.id, after);
  }

  /** Posts a message; `ref` is the channel's id or name. */
  async post(ref: string, input: PostMessageInput, caller: Principal): Promise<ChannelMessageRecord> {
    const v = checkAll({
      text: () => clean("text", input.text, 1, channelLimits.textLength),
      replyTo: () =>
        optional(input.replyTo, (r) => {
          if (!isId(r)) throw badInput("replyTo", "is not a message id");
          return r;
        }),
      mentions: () => mentionArgs(input.mentions ?? []),
    });
    const channel = await this.usable(ref, "channelId", caller, "change");
    await this.checkRate(channel, caller);
    const [replyTo, mentions] = await Promise.all([
      v.replyTo ? this.store.message(v.replyTo) : null,
      this.mentionsOf(v.text, v.mentions),
    ]);
    if (v.replyTo && replyTo?.channelId !== channel.id) throw badInput("replyTo", "is not a message of this channel");
    const [deliveries, author] = await Promise.all([
      this.deliveriesOf(channel, mentions, caller),
      this.authorName(caller),
    ]);
    const now = this.now();
    return this.deps.transact(async (tx, out) => {
      const seq = await this.store.nextSeq(tx, channel.id);
      const row = Object.assign(new ChannelMessageRecord(), {
        id: newId(),
        channelId: channel.id,
        seq,
        authorName: author,
        authorAgentId: caller.agentId,
        authorKeyId: caller.apiKeyId || null,
        text: v.text,
        mentions,
        replyToId: v.replyTo,
        createdAt: now,
      });
      await this.store.insertMessage(tx, row);
      out.push({ topic: "CHANNEL_MESSAGE", payload: { channelId: channel.id, seq } });
      for (const taskId of deliveries) {
        // In the task's own channel, or (a mention) in another channel, named.
        const from = taskId === channel.taskId ? `${author} in the task's channel` : `${author} in #${channel.name}`;
        await this.tasks.messageInTx(tx, out, taskId, from, v.text, caller.agentId, {
          channelId: channel.id,
          channelSeq: seq,
        });
      }
      return row;
    });
  }

  /** LIMIT_EXCEEDED once the caller posted CHANNEL_MESSAGES_PER_MINUTE messages here in the last minute. */
  private async checkRate(channel: ChannelRecord, caller: Principal): Promise<void> {
    const max = this.settings.messagesPerMinute;
    const since = new Date(this.now().getTime() - 60_000);
    const author = { agentId: caller.agentId, keyId: caller.apiKeyId || null };
    if ((await this.store.countSince(channel.id, author, since)) < max) return;
    throw new DomainError(
      "LIMIT_EXCEEDED",
      `At most ${max} messages a minute per author in one channel: wait before posting again in #${channel.name}`,
      { field: "text", limit: "messagesPerMinute", max, retryAfterSeconds: 60 },
    );
  }

  /** An agent writes under its own name (whichever key it uses); a person under the key's. */
  private async authorName(caller: Principal): Promise<string> {
    if (caller.role !== "AGENT" || !caller.agentId || !caller.apiKeyId) return caller.name.slice(0, 100);
    const [agent] = await this.store.participantsWithIds([caller.agentId]);
    return (agent?.name ?? caller.name).slice(0, 100);
  }

  /** The participants named by @name in the text and by `given` (names or ids; unknown given ones are refused). */
  private async mentionsOf(body: string, given: readonly string[]): Promise<ChannelParticipantRef[]> {
    const parsed = parseMentions(body);
    const names = [...new Set([...parsed, ...given.filter((g) => !isId(g))])];
    const ids = given.filter(isId);
    const [byName, byId] = await Promise.all([
      this.store.participantsNamed(names),
      this.store.participantsWithIds(ids),
    ]);
    const problems: FieldProblem[] = [];
    given.forEach((g, i) => {
      const hit = isId(g) ? byId.some((p) => p.agentId === g || p.apiKeyId === g) : byName.some((p) => p.name === g);
      if (!hit) problems.push({ path: `mentions.${i}`, message: `names no agent and no person ("${g.slice(0, 60)}")` });
    });
    if (problems.length > 0) throw invalidFields(problems);
    const all = [...byName, ...byId];
    const out = all.filter((p, i) => all.findIndex((o) => o.agentId === p.agentId && o.apiKeyId === p.apiKeyId) === i);
    if (out.length > channelLimits.mentions) {
      throw badInput("mentions", `a message mentions at most ${channelLimits.mentions} agents and people`);
    }
    return out;
  }

  /**
   * The tasks whose agent gets the message in its conversation: the running task of each agent
   * mentioned (other than the author), and, for a person's message in a task channel, the task.
   */
  private async deliveriesOf(
    channel: ChannelRecord,
    mentions: readonly ChannelParticipantRef[],
    caller: Principal,
  ): Promise<string[]> {
    const out = new Set<string>();
    const own = channel.taskId ? await this.tasks.task(channel.taskId) : null;
    // A person's message in a task's channel is sendTaskMessage: a PENDING task's agent gets it too.
    if (caller.role !== "AGENT" && own && (own.status === "PENDING" || listening(own))) out.add(own.id);
    for (const m of mentions) {
      if (!m.agentId || m.agentId === caller.agentId) continue;
      const task =
        own?.assignedAgentId === m.agentId && listening(own) ? own : await this.tasks.runningTaskOf(m.agentId);
      if (listening(task)) out.add(task.id);
    }
    return [...out];
  }
}
