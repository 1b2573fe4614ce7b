import type { GitMirrors } from "./infra/git/mirror.js";
import type { AgentService } from "./domain/agents/agent.service.js";
import type { AssignmentFeed } from "./domain/agents/assignment-feed.js";
import type { AssignmentService } from "./domain/assignment/assignment.service.js";
import type { ApiKeyService } from "./domain/auth/api-key.service.js";
import type { NodeService } from "./domain/nodes/node.service.js";
import type { SourceService } from "./domain/research/source.service.js";
import type { ChannelService } from "./domain/channels/channel.service.js";
import type { NotificationService } from "./domain/notifications/notification.service.js";
import type { NotificationSubscriptionService } from "./domain/notifications/notification-subscription.service.js";
import type { NotificationTrigger } from "./domain/notifications/notification-trigger.js";
import type { RunStore } from "./domain/runs/run.store.js";
import type { SecretService } from "./domain/secrets/secret.service.js";
import type { ArtifactService } from "./domain/artifacts/artifact.service.js";
import type { TaskLinkService } from "./domain/links/task-link.service.js";
import type { IssueTaskService } from "./domain/links/issue-task.service.js";
import type { GitHubWebhookService } from "./domain/links/github-webhook.service.js";
import type { TaskReportService } from "./domain/links/task-report.service.js";
import type { TaskControlService } from "./domain/tasks/task-control.service.js";
import type { DelegationService } from "./domain/tasks/delegation.service.js";
import type { TaskService } from "./domain/tasks/task.service.js";
import type { UsageService } from "./domain/usage/usage.service.js";
import type { WorkspaceService } from "./domain/workspaces/workspace.service.js";
import type { SharedFilesService } from "./domain/workspaces/shared-files.service.js";
import type { Sandbox } from "./infra/sandbox/sandbox.js";
import type { GitHubService } from "./tools/github/github.service.js";
import type { SearchService } from "./tools/research/search/search.service.js";
import type { CommandService } from "./tools/terminal/command.service.js";
import type { ToolPolicyService } from "./tools/terminal/policy.service.js";
import type { ToolService } from "./tools/tool.service.js";
import type { OutboxService } from "./domain/outbox/outbox.service.js";

/**
 * What the API, the WebSocket server and the workers are given: the domain's services and the
 * tools. Only the composition root (app.ts) makes them.
 */
import type { WorkspaceRouter } from "./domain/workspaces/workspace-router.js";
import type { WorkspaceHolderService } from "./domain/workspaces/workspace-holders.js";

export interface AppServices {
  /** Where a workspace's operations run: here, or on the process holding it (docs/workspaces-cluster.md). */
  workspaceRouter: WorkspaceRouter;
  /** Workspace holders' heartbeats; LOST workspaces and their reclaim. */
  workspaceHolders: WorkspaceHolderService;
  agents: AgentService;
  tasks: TaskService;
  assignment: AssignmentService;
  apiKeys: ApiKeyService;
  workspaces: WorkspaceService;
  /** Shared workspaces: advisory file locks (lockFile, unlockFile) and attributed changes (workspaceChanges). */
  sharedFiles: SharedFilesService;
  usage: UsageService;
  nodes: NodeService;
  control: TaskControlService;
  /** Delegation trees: delegateTask, waitForTasks, a child's outcome to its parent, taskTree. */
  delegation: DelegationService;
  runs: RunStore;
  assignments: AssignmentFeed;
  tools: ToolService;
  /** The service's bare repository per workspace (the git tools' network side); removed with the workspace's folder. */
  gitMirrors: GitMirrors;
  commands: CommandService;
  policies: ToolPolicyService;
  /** Web search: the webSearch tool's engine, cache, limits and history (searchHistory). */
  search: SearchService;
  /** A task's sources and citations (research, addSource; `task { sources citations }`). */
  sources: SourceService;
  /**
   * The secrets store: ADMIN management, and `reveal` (a SecretReader) for the tools and services
   * that use a secret, decrypted at that moment only.
   */
  secrets: SecretService;
  /**
   * Issues and pull requests on GitHub (the github* tools' service), for the rest of the service too
   * (the webhook flow opens pull requests and comments through it, with a GitHubCaller of its own).
   */
  github: GitHubService;
  /** A task's links to GitHub (`task { links }`): its issue, pushed branches, pull request, comments. */
  links: TaskLinkService;
  /** Files a task produced that the service recorded (`task { artifacts }`): PDF reports. */
  artifacts: ArtifactService;
  /** Labelled issues made into tasks (one unfinished task per issue). */
  issueTasks: IssueTaskService;
  /** POST /webhooks/github: signed deliveries turned into tasks and link changes. */
  webhooks: GitHubWebhookService;
  /** Finished tasks made from issues tell GitHub how they ended: a pull request, a comment (a queued job). */
  reports: TaskReportService;
  /** Prints reports (generateReport): Chromium, launched at the first report; closed with the app. */
  reportRenderer: { close(): Promise<void> };
  /** Email (and webhooks) through the outbox table: enqueueEmail, worked by the send-outbox job. */
  outbox: OutboxService;
  /** Closes the SMTP connections (at shutdown). */
  closeOutbox(): void;
  /** Task channels and named channels: their messages, mentions and live feed. */
  channels: ChannelService;
  /** In-app notifications of the calling key: list, mark read, notificationAdded. */
  notifications: NotificationService;
  /** Who is told what: subscribeNotifications, unsubscribeNotifications, notificationSubscriptions. */
  notificationSubscriptions: NotificationSubscriptionService;
  /** Turns task changes into notifications (started by the workers). */
  notificationTrigger: NotificationTrigger;
  sandbox: SandboxStatus;
  /**
   * Runs the service's own steps in a workspace (venv creation, pip): the sandbox, or without
   * bubblewrap the unisolated runner, which still runs them as the sandbox user.
   */
  stepRunner: Sandbox;
}

export type SandboxMode = "auto" | "bwrap" | "none";

export interface SandboxStatus {
  mode: SandboxMode;
  /** What runs untrusted code: bubblewrap, nothing (SANDBOX=none), or no one (unavailable). */
  kind: "BWRAP" | "NONE" | "UNAVAILABLE";
  reason: string | null;
}
