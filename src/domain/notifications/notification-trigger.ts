import type {
  ChannelMessageRecord,
  ChannelRecord,
  NotificationSubscriptionRecord,
  TaskEventRecord,
  TaskRecord,
} from "../records.js";
import { newId } from "../ids.js";
import type { Deps } from "../shared/deps.js";
import type { Json } from "../terms.js";
import type { NotificationChannel } from "./notification-channel.js";
import type { NewNotification, NotificationService } from "./notification.service.js";
import type { NotificationStore } from "./notification.store.js";
import type { NotificationLookups } from "./notification-subscription.service.js";
import type { NotificationEvent } from "./notification-terms.js";
import { KeyedTurns } from "../shared/keyed-turns.js";

/** What happened, about which task or agent, and the key that makes it one happening. */
export interface Happening {
  event: NotificationEvent;
  /** Unique per happening and event: a task event's seq, an agent's change stamp, a report's id. */
  stamp: string;
  task: TaskRecord | null;
  agentId: string | null;
  title: string;
  body: string;
  data: Json;
  /** Only the subscriptions of this API key (a mention tells the person mentioned). */
  ownerKeyId?: string;
}

/** A channel message as the trigger reads it (MENTIONED). */
export interface MentionLookup {
  channelMessage(
    channelId: string,
    seq: number,
  ): Promise<{ channel: ChannelRecord; message: ChannelMessageRecord; task: TaskRecord | null } | null>;
}

/** The notification event a task's event is, if any. */
export function notificationEventOf(e: TaskEventRecord): NotificationEvent | null {
  if (e.type !== "STATUS_CHANGE") return null;
  const d = (e.data ?? {}) as Record<string, unknown>;
  if (d.awaitingApproval === true) return "NEEDS_APPROVAL";
  if (d.paused === true) return "TASK_PAUSED";
  if (d.from === d.to) return null;
  if (d.to === "COMPLETE") return "TASK_COMPLETED";
  if (d.to === "FAILED") return "TASK_FAILED";
  if (d.to === "DESIGN" && typeof d.agentId === "string") return "TASK_ASSIGNED";
  return null;
}

const titles: Record<NotificationEvent, (name: string) => string> = {
  TASK_ASSIGNED: (t) => `Task "${t}" was assigned`,
  NEEDS_APPROVAL: (t) => `Task "${t}" needs approval`,
  TASK_COMPLETED: (t) => `Task "${t}" is complete`,
  TASK_FAILED: (t) => `Task "${t}" failed`,
  TASK_PAUSED: (t) => `Task "${t}" was paused`,
  AGENT_OFFLINE: (a) => `Agent "${a}" went offline`,
  REPORT_READY: (t) => `A report of task "${t}" is ready`,
  MENTIONED: (c) => `You were mentioned in ${c}`,
};

/** Whether a subscription's filters let a happening through. */
export function matches(s: NotificationSubscriptionRecord, h: Happening): boolean {
  if (!s.events.includes(h.event)) return false;
  if (h.ownerKeyId !== undefined && s.ownerKeyId !== h.ownerKeyId) return false;
  if (s.taskId !== null && s.taskId !== h.task?.id) return false;
  if (s.agentId !== null && s.agentId !== (h.task?.assignedAgentId ?? h.agentId) && s.agentId !== h.agentId)
    return false;
  if (s.minPriority !== null && (h.task === null || h.task.priority < s.minPriority)) return false;
  return true;
}

/**
 * Turns what happens to tasks and agents into notifications: an IN_APP row per matching
 * subscription, and the NotificationChannel (the outbox) for EMAIL and WEBHOOK ones. Status
 * changes are looked at (TASK_EVENT on the bus carries the event's type; only STATUS_CHANGE
 * events are read); a happening is recorded once per subscription (the dedupe key: the
 * notification row's for IN_APP, the outbox row's for the others), however many processes
 * listen and however often a message arrives.
 */
export class NotificationTrigger {
  constructor(
    private readonly deps: Deps,
    private readonly store: NotificationStore,
    private readonly notifications: NotificationService,
    private readonly lookups: NotificationLookups,
    private readonly channel: NotificationChannel,
    private readonly mentions: MentionLookup | null = null,
  ) {}

  /** Listens to task events until the returned function is called; `track` holds the work in flight. */
  start(track: (what: string, work: () => Promise<unknown>) => void): () => void {
    const stops = [
      this.deps.pubsub.subscribe("TASK_EVENT", ({ taskId, seq, type }) => {
        // Only status changes make notifications (older processes leave the type out: those are read).
        if (type !== undefined && type !== "STATUS_CHANGE") return;
        track("could not make the notifications of a task event", () =>
          this.turns.run(taskId, () => this.onTaskEvent(taskId, seq)),
        );
      }),
      this.deps.pubsub.subscribe("AGENT_CHANGED", ({ agentId }) =>
        track("could not make the notifications of an agent change", () => this.onAgentChanged(agentId)),
      ),
      this.deps.pubsub.subscribe("CHANNEL_MESSAGE", ({ channelId, seq }) =>
        track("could not make the notifications of a channel message", () => this.onChannelMessage(channelId, seq)),
      ),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /** One task's events are looked at in the order they arrive (a task's notifications keep its order). */
  private readonly turns = new KeyedTurns();

  /** An agent found OFFLINE: one notification per going offline (its last heartbeat tells them apart). */
  async onAgentChanged(agentId: string): Promise<number> {
    const agent = await this.lookups.agent(agentId);
    if (agent?.status !== "OFFLINE") return 0;
    return this.agentOffline(agentId, agent.lastHeartbeatAt?.toISOString() ?? "never");
  }

  async onTaskEvent(taskId: string, seq: number): Promise<number> {
    const [e] = await this.deps.events.read(taskId, seq - 1, 1);
    if (!e || e.seq !== seq) return 0;
    const event = notificationEventOf(e);
    if (!event) return 0;
    const task = await this.lookups.task(taskId);
    if (!task) return 0;
    const d = (e.data ?? {}) as Record<string, Json>;
    const note = typeof d.note === "string" ? d.note : typeof d.reason === "string" ? d.reason : e.content;
    return this.fire({
      event,
      stamp: `${task.id}:${e.seq}`,
      task,
      agentId: typeof d.agentId === "string" ? d.agentId : (e.agentId ?? task.assignedAgentId),
      title: titles[event](task.title),
      body: note,
      data: { taskId: task.id, eventSeq: e.seq, status: task.status, ...pick(d, ["from", "to", "reason", "by"]) },
    });
  }

  /** MENTIONED: each person (API key) a channel message mentions, through that key's subscriptions. */
  async onChannelMessage(channelId: string, seq: number): Promise<number> {
    const found = await this.mentions?.channelMessage(channelId, seq);
    if (!found) return 0;
    const { channel, message, task } = found;
    const where = channel.kind === "TASK" && task ? `the channel of task "${task.title}"` : `#${channel.name}`;
    let made = 0;
    for (const m of message.mentions) {
      if (!m.apiKeyId || m.apiKeyId === message.authorKeyId) continue;
      made += await this.fire({
        event: "MENTIONED",
        stamp: `${channel.id}:${message.seq}:${m.apiKeyId}`,
        task,
        agentId: message.authorAgentId,
        title: titles.MENTIONED(where),
        body: `${message.authorName}: ${message.text}`,
        data: { channelId: channel.id, channelName: channel.name, messageSeq: message.seq, messageId: message.id },
        ownerKeyId: m.apiKeyId,
      });
    }
    return made;
  }

  /** The hook of AGENT_OFFLINE: `stamp` tells one going offline from the next (its time, say). */
  async agentOffline(agentId: string, stamp: string): Promise<number> {
    const agent = await this.lookups.agent(agentId);
    if (!agent) return 0;
    return this.fire({
      event: "AGENT_OFFLINE",
      stamp: `${agentId}:${stamp}`,
      task: null,
      agentId,
      title: titles.AGENT_OFFLINE(agent.name),
      body: `Agent ${agent.name} is OFFLINE`,
      data: { agentId },
    });
  }

  /** The hook of REPORT_READY, for the reports: one notification per report (its id or path). */
  async reportReady(taskId: string, report: { id: string; path: string; sha256: string }): Promise<number> {
    const task = await this.lookups.task(taskId);
    if (!task) return 0;
    return this.fire({
      event: "REPORT_READY",
      stamp: `${taskId}:${report.id}`,
      task,
      agentId: task.assignedAgentId,
      title: titles.REPORT_READY(task.title),
      body: report.path,
      data: { taskId, reportId: report.id, path: report.path, sha256: report.sha256 },
    });
  }

  /** Notifies every matching subscription of a happening; returns how many were notified anew. */
  async fire(h: Happening): Promise<number> {
    const subs = (await this.store.subscriptionsFor(h.event)).filter((s) => matches(s, h));
    const now = this.deps.now?.() ?? new Date();
    let made = 0;
    for (const s of subs) {
      const n: NewNotification = {
        ownerKeyId: s.ownerKeyId,
        subscriptionId: s.id,
        dedupeKey: `${s.id}:${h.event}:${h.stamp}`,
        event: h.event,
        taskId: h.task?.id ?? null,
        agentId: h.agentId,
        title: h.title,
        body: h.body,
        data: h.data,
      };
      try {
        if (s.channel === "IN_APP") {
          if (await this.notifications.record(n)) made++;
        } else if (await this.channel.deliver(s, { ...n, id: newId(), seq: 0, readAt: null, createdAt: now })) {
          made++;
        }
      } catch (err) {
        this.deps.logger.warn({ err, subscriptionId: s.id, event: h.event }, "could not notify a subscription");
      }
    }
    return made;
  }
}

function pick(d: Record<string, Json>, keys: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of keys) if (d[k] !== undefined && d[k] !== null) out[k] = d[k];
  return out;
}
