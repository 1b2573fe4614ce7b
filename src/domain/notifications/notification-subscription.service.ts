import type { AgentRecord, NotificationSubscriptionRecord, TaskRecord } from "../records.js";
import { badInput, forbidden, invalidFields, notFound, conflict, type FieldProblem, DomainError } from "../errors.js";
import { isId, newId } from "../ids.js";
import type { Principal } from "../auth/principal.js";
import type { Deps } from "../shared/deps.js";
import { keyset, toPage, type Page, type PageArgs } from "../shared/pagination.js";
import { limits } from "../terms.js";
import type { NotificationStore } from "./notification.store.js";
import {
  notificationChannels,
  notificationEvents,
  notificationLimits,
  type NotificationChannelKind,
  type NotificationEvent,
} from "./notification-terms.js";

export interface SubscribeInput {
  channel: string;
  address?: string | null;
  events: readonly string[];
  filter?: { agentId?: string | null; taskId?: string | null; minPriority?: number | null } | null;
  /** WEBHOOK: the subscription's own HMAC secret (else the scope's WEBHOOK_SIGNING_SECRET signs). */
  signingSecret?: string | null;
}

/** Where a subscription's own signing secret is kept (the secrets store, encrypted; scope SUBSCRIPTION). */
export interface SubscriptionSecrets {
  /** Stores `value` for the subscription; BAD_USER_INPUT on `field`, NOT_CONFIGURED without a master key. */
  create(subscriptionId: string, value: string, field: string): Promise<{ id: string }>;
  /** Replaces the value of the subscription's secret `secretId` (same id: queued deliveries sign with the new one). */
  update(secretId: string, value: string, field: string): Promise<unknown>;
  delete(secretId: string): Promise<unknown>;
}

/** The shortest and longest own signing secret of a webhook subscription. */
export const SIGNING_SECRET_CHARS = { min: 16, max: 1024 } as const;

function checkSigningSecret(
  channel: NotificationChannelKind | undefined,
  value: string | null | undefined,
): string | null {
  if (value === null || value === undefined) return null;
  if (channel !== "WEBHOOK") throw badInput("signingSecret", "is only for WEBHOOK subscriptions");
  if (value.length < SIGNING_SECRET_CHARS.min || value.length > SIGNING_SECRET_CHARS.max) {
    throw badInput(
      "signingSecret",
      `must be ${SIGNING_SECRET_CHARS.min} to ${SIGNING_SECRET_CHARS.max} characters (a random string)`,
    );
  }
  if (/[\x00-\x1f\x7f]/.test(value)) throw badInput("signingSecret", "must not contain control characters");
  return value;
}

/** What the subscription service reads of tasks and agents (their existence). */
export interface NotificationLookups {
  task(id: string): Promise<TaskRecord | null>;
  agent(id: string): Promise<AgentRecord | null>;
}

const emailRe =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Checks one field, adding its problem (if any) to `problems`; returns the value or undefined. */
function check<T>(problems: FieldProblem[], path: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== "BAD_USER_INPUT") throw err;
    problems.push({ path, message: err.message.replace(/^[^:]*: /, "") });
    return undefined;
  }
}

function checkAddress(channel: NotificationChannelKind | undefined, address: string | null | undefined): string | null {
  if (channel === "IN_APP") {
    if (address !== null && address !== undefined && address !== "")
      throw badInput("address", "must be empty for IN_APP");
    return null;
  }
  if (typeof address !== "string" || address.trim() === "") {
    throw badInput("address", channel === "EMAIL" ? "an email address is required" : "a URL is required");
  }
  const a = address.trim();
  if (a.length > notificationLimits.addressLength) {
    throw badInput("address", `must be at most ${notificationLimits.addressLength} characters`);
  }
  if (/[\r\n\0]/.test(a)) throw badInput("address", "must not contain line breaks or NUL");
  if (channel === "EMAIL") {
    if (!emailRe.test(a) || a.length > 254) throw badInput("address", "is not an email address (name@example.com)");
    return a;
  }
  let url: URL;
  try {
    url = new URL(a);
  } catch {
    throw badInput("address", "is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw badInput("address", "must be an http or https URL");
  if (url.username || url.password) throw badInput("address", "must not hold credentials");
  return url.toString();
}

function checkEvents(events: readonly string[]): NotificationEvent[] {
  if (!Array.isArray(events) || events.length === 0) throw badInput("events", "name at least one event");
  const bad = events.filter((e) => !(notificationEvents as readonly string[]).includes(e));
  if (bad.length > 0) {
    throw badInput(
      "events",
      `${bad
        .slice(0, 5)
        .map((e) => JSON.stringify(String(e).slice(0, 40)))
        .join(", ")} not one of ${notificationEvents.join(", ")}`,
    );
  }
  return [...new Set(events)] as NotificationEvent[];
}

/**
 * Who is told what: subscriptions owned by the calling API key. A key manages its own; an ADMIN
 * may list everyone's. AGENT keys do not subscribe (an agent learns of its work through the API).
 */
export class NotificationSubscriptionService {
  constructor(
    private readonly deps: Deps,
    private readonly store: NotificationStore,
    private readonly lookups: NotificationLookups,
  ) {}

  /** Set once the secrets store exists (it is made after the domain services). */
  secrets: SubscriptionSecrets | null = null;

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async subscribe(input: SubscribeInput, caller: Principal): Promise<NotificationSubscriptionRecord> {
    if (caller.role === "AGENT") throw forbidden("An AGENT key cannot subscribe to notifications");
    const problems: FieldProblem[] = [];
    const channel = check(problems, "input.channel", () => {
      const c = input.channel;
      if (!(notificationChannels as readonly string[]).includes(c)) {
        throw badInput("channel", `must be one of ${notificationChannels.join(", ")}`);
      }
      return c as NotificationChannelKind;
    });
    const address =
      channel === undefined ? null : check(problems, "input.address", () => checkAddress(channel, input.address));
    const events = check(problems, "input.events", () => checkEvents(input.events));
    const signingSecret = check(problems, "input.signingSecret", () =>
      checkSigningSecret(channel, input.signingSecret),
    );
    const filter = input.filter ?? {};
    const minPriority = check(problems, "input.filter.minPriority", () => {
      const p = filter.minPriority;
      if (p === null || p === undefined) return null;
      if (!Number.isInteger(p) || p < limits.priority.min || p > limits.priority.max) {
        throw badInput(
          "minPriority",
          `must be a whole number between ${limits.priority.min} and ${limits.priority.max}`,
        );
      }
      return p;
    });
    const taskId = await this.existing(
      problems,
      "input.filter.taskId",
      filter.taskId,
      (id) => this.lookups.task(id),
      "task",
    );
    const agentId = await this.existing(
      problems,
      "input.filter.agentId",
      filter.agentId,
      (id) => this.lookups.agent(id),
      "agent",
    );
    if (problems.length > 0) throw invalidFields(problems);
    const now = this.now();
    const row: NotificationSubscriptionRecord = {
      id: newId(),
      ownerKeyId: caller.apiKeyId,
      channel: channel!,
      address: address ?? null,
      events: events!,
      agentId,
      taskId,
      minPriority: minPriority ?? null,
      secretId: null,
      createdAt: now,
      updatedAt: now,
    };
    if ((await this.store.countSubscriptions(caller.apiKeyId)) >= notificationLimits.perOwner) {
      throw new DomainError("LIMIT_EXCEEDED", `A key may hold at most ${notificationLimits.perOwner} subscriptions`);
    }
    if (signingSecret) {
      if (!this.secrets) throw new DomainError("NOT_CONFIGURED", "The secrets store is not available");
      // The secret first: the subscription's row refers to it.
      row.secretId = (await this.secrets.create(row.id, signingSecret, "input.signingSecret")).id;
    }
    try {
      await this.deps.transact((tx) => this.store.insertSubscription(tx, row));
    } catch (err) {
      if (row.secretId) await this.secrets?.delete(row.secretId).catch(() => undefined);
      throw err;
    }
    return row;
  }

  private async existing(
    problems: FieldProblem[],
    path: string,
    id: string | null | undefined,
    find: (id: string) => Promise<unknown>,
    what: string,
  ): Promise<string | null> {
    if (id === null || id === undefined) return null;
    if (!isId(id) || !(await find(id))) {
      problems.push({ path, message: `no ${what} has this id` });
      return null;
    }
    return id;
  }

  /** One of the caller's subscriptions (an ADMIN: anyone's); NOT_FOUND for another key's, as for none. */
  private async ownSubscription(id: string, caller: Principal): Promise<NotificationSubscriptionRecord> {
    const row = isId(id) ? await this.store.getSubscription(id) : null;
    if (!row || (row.ownerKeyId !== caller.apiKeyId && caller.role !== "ADMIN")) {
      throw notFound("Notification subscription", id);
    }
    return row;
  }

  /** Removes one of the caller's subscriptions (an ADMIN: anyone's); NOT_FOUND when there is none. */
  async unsubscribe(id: string, caller: Principal): Promise<NotificationSubscriptionRecord> {
    const row = await this.ownSubscription(id, caller);
    const deleted = await this.deps.transact((tx) => this.store.deleteSubscription(tx, id, null));
    if (!deleted) throw conflict("The subscription was removed meanwhile", "id");
    if (row.secretId) {
      await this.secrets?.delete(row.secretId).catch((err: unknown) => {
        this.deps.logger.warn({ err, subscriptionId: id }, "could not delete a subscription's signing secret");
      });
    }
    return row;
  }

  /**
   * A WEBHOOK subscription's own signing secret, replaced (or given, when the scope's
   * WEBHOOK_SIGNING_SECRET signed it so far): one of the caller's subscriptions (an ADMIN:
   * anyone's). The secret keeps its id, so deliveries already queued are signed with the new
   * value too; the receiver should accept both while it switches.
   */
  async setSigningSecret(id: string, value: string, caller: Principal): Promise<NotificationSubscriptionRecord> {
    const row = await this.ownSubscription(id, caller);
    const problems: FieldProblem[] = [];
    const secret = check(problems, "signingSecret", () =>
      checkSigningSecret(row.channel as NotificationChannelKind, value),
    );
    if (problems.length > 0 || !secret) throw invalidFields(problems);
    if (!this.secrets) throw new DomainError("NOT_CONFIGURED", "The secrets store is not available");
    const now = this.now();
    if (row.secretId) {
      await this.secrets.update(row.secretId, secret, "signingSecret");
      await this.store.touchSubscription(row.id, now);
      this.deps.logger.info({ subscriptionId: row.id }, "notification subscription's signing secret replaced");
      return { ...row, updatedAt: now };
    }
    const created = await this.secrets.create(row.id, secret, "signingSecret");
    const set = await this.deps
      .transact((tx) => this.store.setSubscriptionSecret(tx, row.id, created.id, now))
      .catch(async (err: unknown) => {
        await this.secrets?.delete(created.id).catch(() => undefined);
        throw err;
      });
    if (!set) {
      await this.secrets.delete(created.id).catch(() => undefined);
      throw conflict("The subscription changed meanwhile (removed, or given a secret): read it again", "id");
    }
    this.deps.logger.info({ subscriptionId: row.id }, "notification subscription given its own signing secret");
    return { ...row, secretId: created.id, updatedAt: now };
  }

  /** The caller's subscriptions, newest first; with `all`, an ADMIN's view of every key's. */
  list(args: PageArgs & { all?: boolean | null }, caller: Principal): Promise<Page<NotificationSubscriptionRecord>> {
    if (args.all && caller.role !== "ADMIN") throw forbidden("Only an ADMIN key lists every key's subscriptions");
    const owner = args.all ? null : caller.apiKeyId;
    const range = keyset(args);
    return this.store
      .listSubscriptions(owner, range)
      .then((rows) => toPage(rows, range, () => this.store.countSubscriptions(owner)));
  }
}
