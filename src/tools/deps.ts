import type { SandboxLimits } from "../infra/sandbox/limits.js";
import type { PdfMetadata, PdfPrintOptions } from "../infra/reports/pdf-renderer.js";
import type { FileLimits } from "./files/files.js";
import type { GitPushResult, GitService } from "./git/git.service.js";
import type { GitHubConnection } from "./github/connection.js";
import type { GitHubService } from "./github/github.service.js";
import type { ResearchService } from "./research/research.service.js";
import type { SearchService } from "./research/search/search.service.js";
import type { TaskFacts } from "./reports/templates.js";
import type { CommandService } from "./terminal/command.service.js";
import type { OutboxService } from "../domain/outbox/outbox.service.js";
import type { ChannelService } from "../domain/channels/channel.service.js";
import type { SharedFilesService } from "../domain/workspaces/shared-files.service.js";
import type { DelegationService } from "../domain/tasks/delegation.service.js";

/**
 * What the tools need of the rest of the service, handed to the tool service once at start and
 * to every call in its context (ToolContext.deps): tool declarations stay static, so the API's
 * schema and the model's functions can be made from them without a running service.
 */
export interface ToolDeps {
  commands: CommandService;
  /** Throws POLICY_DENIED naming the rule when the program or an argument is refused. */
  checkCommand(program: string, args: readonly string[], workspace: { taskId: string; agentId: string }): Promise<void>;
  /** null when untrusted code may run (bubblewrap works, or the operator chose SANDBOX=none). */
  sandboxUnavailable(): string | null;
  /** A command's limits (its wall time comes from the call, held to maxTimeoutMs). */
  limits: SandboxLimits;
  /** The longest wall time a caller may ask for (COMMAND_MAX_TIMEOUT_MS). */
  maxTimeoutMs: number;
  fileLimits: Partial<FileLimits>;
  /** Advisory file locks (lockFile, unlockFile, checked by every file tool's write) and the FileChange record. */
  sharedFiles: SharedFilesService;
  python: {
    /** The only package index pip may use (PIP_INDEX_URL); unset: installPackages is refused. */
    indexUrl: string | undefined;
    /** Names that may (allow, empty = any) or may not (deny) be installed, lower-case. */
    packages: { allow: readonly string[]; deny: readonly string[] };
    /** Wheels only (pip --only-binary :all:), the default: no build scripts run at install time. */
    onlyBinary: boolean;
    /** A folder of the service's where each install's downloads wait (see pip.ts). */
    downloadsDir: string;
  };
  /** Web search (webSearch): the engine through the guarded fetcher, with its cache, limits and history. */
  search: SearchService;
  /** fetchPage, extract, addSource and research: documents through the guarded fetcher, sources and citations. */
  research: ResearchService;
  /** sendEmail: messages queued in the outbox. */
  email: {
    outbox: OutboxService;
    /** The agent's own sendEmail allowlist (AgentRecord.emailRecipients); null: EMAIL_ALLOWED_RECIPIENTS. */
    recipientsOf(agentId: string): Promise<readonly string[] | null>;
  };
  /** GitHub: issues and pull requests (the github* tools) and the connection (credentials for a scope). */
  github: GitHubDeps;
  /** The git tools: the workspace's repository in its sandbox, the network from the service's mirror. */
  git: GitDeps;
  /** generateReport: the task's facts, the PDF renderer, where artifacts are recorded. */
  reports: ReportDeps;
  /** sendMessage and readMessages: the channels, with their access rules. */
  channels: ChannelService;
  /** delegateTask and waitForTasks: child tasks of the workspace's task. */
  delegation: Pick<DelegationService, "delegate" | "waitFor">;
}

/** What generateReport uses. */
export interface ReportDeps {
  /** The name written as the PDFs' author. */
  author: string;
  /** The task's record, phases, usage, links, sources and citations (files are listed by the tool). */
  facts(taskId: string): Promise<Omit<TaskFacts, "files">>;
  /** HTML to PDF with metadata (Chromium, then pdf-lib). */
  render(html: string, print: PdfPrintOptions, meta: PdfMetadata): Promise<{ bytes: Uint8Array; pages: number }>;
  /** Records the PDF as an artifact of the task (when the store is there). */
  recordArtifact?(
    taskId: string,
    artifact: { path: string; kind: string; sizeBytes: number; sha256: string; createdAt: Date },
  ): Promise<void>;
}

/** What the git tools use. */
export interface GitDeps {
  service: GitService;
  /** Credentials for remotes on GITHUB_URL's host; null: clones there are anonymous, pushes NOT_CONFIGURED. */
  connection: GitHubConnection | null;
  /** Called after each successful gitPush (the task's links record the pushed branch). */
  onPushed?(
    ctx: { toolCallId: string; workspace: { taskId: string; agentId: string } },
    result: GitPushResult,
  ): Promise<void>;
}

/** What the GitHub tools (and git's network steps) use: the service over GitHub's API, and how it signs in. */
export interface GitHubDeps {
  service: GitHubService;
  connection: GitHubConnection;
}
