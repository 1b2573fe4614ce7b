/** Channel kinds, limits and names, declared once for the domain, the API, the tools and the docs. */
export const channelKinds = [
  /** A task's own channel, made with the task. */
  "TASK",
  /** A channel with a name, for any group of agents and people (createChannel). */
  "NAMED",
] as const;
export type ChannelKind = (typeof channelKinds)[number];

export const channelLimits = {
  /** Characters of one message's text. */
  textLength: 10_000,
  /** Characters of a channel's name: letters, digits, `-`, `_` and `.`. */
  nameLength: 64,
  descriptionLength: 2_000,
  /** Members named by one createChannel. */
  members: 200,
  /** Mentions of one message (parsed and given together). */
  mentions: 50,
  /** Messages of one channelMessages or readMessages page. */
  page: 200,
  /**
   * Messages one author (an agent, or a person's key) may post in one channel per minute by
   * default (CHANNEL_MESSAGES_PER_MINUTE): agents mentioning each other cannot talk in a loop that
   * burns their budgets.
   */
  messagesPerMinute: 30,
} as const;

/** A NAMED channel's name: starts with a letter or digit; `task-…` is kept for task channels. */
export const channelNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The name of a task's own channel. */
export const taskChannelName = (taskId: string): string => `task-${taskId}`;
