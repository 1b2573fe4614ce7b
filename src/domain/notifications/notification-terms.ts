/** The notification channels and events, declared once for the domain, the API and the docs. */
export const notificationChannels = ["EMAIL", "WEBHOOK", "IN_APP"] as const;
export type NotificationChannelKind = (typeof notificationChannels)[number];

export const notificationEvents = [
  /** An agent took the task (automatic or assignTask). */
  "TASK_ASSIGNED",
  /** The task waits in REVIEW for approveTask or rejectTask. */
  "NEEDS_APPROVAL",
  "TASK_COMPLETED",
  "TASK_FAILED",
  /** Paused: by a person, a spent budget or a provider out of credits (`data.reason`). */
  "TASK_PAUSED",
  /** An agent went OFFLINE (declared; produced by notifyAgentOffline). */
  "AGENT_OFFLINE",
  /** A PDF report is ready (declared; produced by notifyReportReady, the reports' hook). */
  "REPORT_READY",
  /** The subscription's own key was mentioned (@name, or given) in a channel message. */
  "MENTIONED",
] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

export const notificationLimits = {
  addressLength: 2048,
  /** Subscriptions one key may hold. */
  perOwner: 100,
  titleLength: 500,
  bodyLength: 10_000,
} as const;
