import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import type { NotificationRecord, NotificationSubscriptionRecord } from "../../domain/records.js";
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { principalOf, type Context } from "../context.js";
import { SubscribeNotificationsInput } from "./notification.inputs.js";
import {
  Notification,
  NotificationConnection,
  NotificationFilter,
  NotificationSubscription,
  NotificationSubscriptionConnection,
} from "./notification.type.js";

/** Subscriptions of the calling API key: who is told what, and how. */
@Resolver(() => NotificationSubscription)
export class NotificationSubscriptionResolver {
  @Authorized("VIEWER")
  @Mutation(() => NotificationSubscription, {
    description:
      "Subscribes the calling key to events (FORBIDDEN for an AGENT key). BAD_USER_INPUT names every bad field at once.",
  })
  subscribeNotifications(
    @Arg("input", () => SubscribeNotificationsInput, { description: "Channel, address, events and filter." })
    input: SubscribeNotificationsInput,
    @Ctx() ctx: Context,
  ): Promise<NotificationSubscriptionRecord> {
    return ctx.services.notificationSubscriptions.subscribe(input, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Mutation(() => NotificationSubscription, {
    description: "Removes one of the calling key's subscriptions (an ADMIN: anyone's) and returns it as it was.",
  })
  unsubscribeNotifications(
    @Arg("id", () => ID, { description: "The subscription to remove." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<NotificationSubscriptionRecord> {
    return ctx.services.notificationSubscriptions.unsubscribe(id, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Mutation(() => NotificationSubscription, {
    description:
      "Replaces a WEBHOOK subscription's own signing secret, or gives it one (one of the calling key's subscriptions; an ADMIN: anyone's). Deliveries still queued are signed with the new secret too: let the receiver accept both while it switches. BAD_USER_INPUT on signingSecret; NOT_FOUND for no such subscription.",
  })
  setNotificationSigningSecret(
    @Arg("id", () => ID, { description: "The subscription." }) id: string,
    @Arg("signingSecret", () => String, {
      description: "The new HMAC-SHA256 secret for X-Agent-Signature, 16 to 1,024 characters; never shown again.",
    })
    signingSecret: string,
    @Ctx() ctx: Context,
  ): Promise<NotificationSubscriptionRecord> {
    return ctx.services.notificationSubscriptions.setSigningSecret(id, signingSecret, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Query(() => NotificationSubscriptionConnection, {
    description: "The calling key's subscriptions, newest first; with all: true, every key's (ADMIN only).",
  })
  async notificationSubscriptions(
    @Ctx() ctx: Context,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Arg("all", () => Boolean, { nullable: true, description: "Every key's subscriptions (ADMIN only)." })
    all?: boolean | null,
  ): Promise<ConnectionShape<NotificationSubscriptionRecord>> {
    return toConnection(await ctx.services.notificationSubscriptions.list({ ...paging, all }, principalOf(ctx)));
  }

  @FieldResolver(() => NotificationFilter, { description: "Which tasks and agents it is about." })
  filter(@Root() s: NotificationSubscriptionRecord): NotificationFilter {
    return { agentId: s.agentId, taskId: s.taskId, minPriority: s.minPriority };
  }

  @FieldResolver(() => Boolean, {
    description:
      "WEBHOOK: whether its own signingSecret signs its deliveries (else the task's, agent's or GLOBAL WEBHOOK_SIGNING_SECRET). The secret is never shown.",
  })
  ownSigningSecret(@Root() s: NotificationSubscriptionRecord): boolean {
    return s.secretId !== null;
  }
}

/** In-app notifications: each key sees its own only. */
@Resolver(() => Notification)
export class NotificationResolver {
  @Authorized("VIEWER")
  @Query(() => NotificationConnection, { description: "The calling key's notifications, newest first." })
  async notifications(
    @Ctx() ctx: Context,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Arg("unreadOnly", () => Boolean, { nullable: true, description: "Only the unread ones." })
    unreadOnly?: boolean | null,
  ): Promise<ConnectionShape<NotificationRecord>> {
    return toConnection(await ctx.services.notifications.list({ ...paging, unreadOnly }, principalOf(ctx)));
  }

  @Authorized("VIEWER")
  @Query(() => Int, { description: "How many of the calling key's notifications are unread." })
  unreadNotificationCount(@Ctx() ctx: Context): Promise<number> {
    return ctx.services.notifications.unreadCount(principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Mutation(() => Int, {
    description:
      "Marks the calling key's notifications read: those of `ids`, or every one with all: true. Returns how many were unread.",
  })
  markNotificationsRead(
    @Ctx() ctx: Context,
    @Arg("ids", () => [ID], {
      nullable: true,
      description: "The notifications to mark (up to 500); others' ids are ignored.",
    })
    ids?: string[] | null,
    @Arg("all", () => Boolean, { nullable: true, description: "true: every unread notification (instead of ids)." })
    all?: boolean | null,
  ): Promise<number> {
    return ctx.services.notifications.markRead(ids, all, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Subscription(() => Notification, {
    description:
      "The calling key's notifications with seq > afterSeq, then live ones, in order, with no gap and no duplicate. To resume after a reconnect, subscribe again with afterSeq set to the last seq received.",
    subscribe: ({ args, context }) =>
      (context as Context).services.notifications.stream(
        args.afterSeq as number | undefined,
        principalOf(context as Context),
      ),
  })
  notificationAdded(
    @Root() n: NotificationRecord,
    @Arg("afterSeq", () => Int, {
      nullable: true,
      description: "The last seq the client has: stored notifications after it come first. 0 or null: from the first.",
    })
    _afterSeq?: number,
  ): NotificationRecord {
    return n;
  }
}
