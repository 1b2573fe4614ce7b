import { createHmac, timingSafeEqual } from "node:crypto";
import type { Principal } from "../auth/principal.js";
import { badInput, DomainError, unauthenticated } from "../errors.js";
import type { SecretReader } from "../secrets/secret.types.js";
import type { Logger } from "../shared/deps.js";
import { readIssueEvent, readPullRequestEvent, type IssueEvent, type PullRequestEvent } from "./github-events.js";
import type { IssueTaskService } from "./issue-task.service.js";
import type { TaskLinkService } from "./task-link.service.js";
import type { WebhookDeliveryStore } from "./webhook-delivery.store.js";

/** Who acts for GitHub's webhooks: the tasks and link changes they cause name it. */
export const githubWebhookPrincipal: Principal = {
  apiKeyId: "",
  name: "GitHub webhook",
  role: "OPERATOR",
  agentId: null,
};

/** What handling a delivery came to, as webhook_delivery records it. */
export const webhookOutcomes = [
  /** Claimed, being handled (or the process stopped while it was). */
  "RECEIVED",
  "PING",
  "TASK_CREATED",
  /** A labelled issue whose task is not finished yet: no second task. */
  "TASK_EXISTS",
  "LINK_UPDATED",
  "IGNORED",
  /** The payload did not have what its event needs. */
  "INVALID",
  /** Handling failed: GitHub's "Redeliver" may send it again. */
  "FAILED",
] as const;
export type WebhookOutcome = (typeof webhookOutcomes)[number];

/** The headers and body of one delivery, as received. */
export interface WebhookRequest {
  /** X-GitHub-Event. */
  event: string | undefined;
  /** X-GitHub-Delivery. */
  deliveryId: string | undefined;
  /** X-Hub-Signature-256. */
  signature: string | undefined;
  contentType: string | undefined;
  /** The raw body: the signature is over these bytes. */
  body: Buffer;
}

export interface WebhookResult {
  outcome: WebhookOutcome;
  message: string;
  /** The delivery was handled before: nothing was done this time. */
  replay: boolean;
  /** The task created, or the unfinished one that a labelled issue already has. */
  taskId: string | null;
  /** Links changed by this delivery. */
  linksChanged: number;
}

export interface GitHubWebhookSettings {
  /** owner/name of the repositories whose labelled issues become tasks (GITHUB_REPOSITORIES). */
  repositories: readonly string[];
  /** GITHUB_TASK_LABEL. */
  taskLabel: string;
}

const SIGNATURE_PREFIX = "sha256=";
/** Header values longer than this are refused (X-GitHub-Delivery is a GUID, the event a word). */
const HEADER_MAX = 100;

/** Whether `signature` is "sha256=" + HMAC-SHA256(secret, body), compared in constant time. */
export function signatureMatches(secret: string, signature: string | undefined, body: Buffer): boolean {
  if (!signature) return false;
  const expected = Buffer.from(SIGNATURE_PREFIX + createHmac("sha256", secret).update(body).digest("hex"));
  const given = Buffer.from(signature.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const result = (outcome: WebhookOutcome, message: string, extra: Partial<WebhookResult> = {}): WebhookResult => ({
  outcome,
  message,
  replay: false,
  taskId: null,
  linksChanged: 0,
  ...extra,
});

/**
 * GitHub's webhook deliveries: signature checked against the GITHUB_WEBHOOK_SECRET secret, each
 * delivery handled once (its id claimed first), then `issues` and `pull_request` events turned into
 * tasks and link changes. Nothing is done, and nothing recorded, for a delivery whose signature
 * does not hold.
 */
export class GitHubWebhookService {
  private readonly repositories: Set<string>;

  constructor(
    private readonly deps: { logger: Logger; now?: () => Date },
    private readonly secrets: SecretReader,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly issues: IssueTaskService,
    private readonly links: TaskLinkService,
    private readonly settings: GitHubWebhookSettings,
  ) {
    this.repositories = new Set(settings.repositories.map((r) => r.toLowerCase()));
  }

  /**
   * Handles one delivery. Throws NOT_CONFIGURED (no webhook secret), UNAUTHENTICATED (signature
   * missing or wrong) or BAD_USER_INPUT (headers or body unusable).
   */
  async receive(req: WebhookRequest): Promise<WebhookResult> {
    const signed = await this.secrets.verify(
      "GITHUB_WEBHOOK_SECRET",
      {},
      { toolCallId: null, purpose: "webhook signature" },
      (secret) => signatureMatches(secret, req.signature, req.body),
    );
    if (signed === null) {
      throw new DomainError(
        "NOT_CONFIGURED",
        "No webhook secret is configured: create a GLOBAL secret of kind GITHUB_WEBHOOK_SECRET (createSecret) with the secret set on the GitHub webhook",
        { setting: "GITHUB_WEBHOOK_SECRET" },
      );
    }
    if (!signed) {
      throw unauthenticated(
        req.signature
          ? "The X-Hub-Signature-256 header does not match the body: the webhook's secret differs from the one configured here"
          : "The X-Hub-Signature-256 header is missing: set a secret on the GitHub webhook",
      );
    }
    const deliveryId = header("X-GitHub-Delivery", req.deliveryId);
    const event = header("X-GitHub-Event", req.event);
    const now = this.deps.now?.() ?? new Date();
    let payload: unknown;
    try {
      payload = parsePayload(req.body, req.contentType);
    } catch (err) {
      await this.deliveries.claim(deliveryId, event, "INVALID", now);
      throw err;
    }
    if (!(await this.deliveries.claim(deliveryId, event, "RECEIVED", now))) {
      const before = (await this.deliveries.outcomeOf(deliveryId)) ?? "RECEIVED";
      return result(
        before as WebhookOutcome,
        `Delivery ${deliveryId} was received before (${before}): nothing was done`,
        {
          replay: true,
        },
      );
    }
    try {
      const done = await this.dispatch(event, payload);
      await this.deliveries.settle(deliveryId, done.outcome);
      this.deps.logger.info({ deliveryId, event, outcome: done.outcome, taskId: done.taskId }, "GitHub webhook");
      return done;
    } catch (err) {
      await this.deliveries
        .settle(deliveryId, "FAILED")
        .catch((e: unknown) => this.deps.logger.warn({ err: e, deliveryId }, "could not record a failed delivery"));
      throw err;
    }
  }

  private async dispatch(event: string, payload: unknown): Promise<WebhookResult> {
    switch (event) {
      case "ping":
        return result("PING", "pong: deliveries reach the service and their signature holds");
      case "issues": {
        const e = readIssueEvent(payload);
        return e ? this.onIssue(e) : result("INVALID", "The payload is not an issues event (no issue or repository)");
      }
      case "pull_request": {
        const e = readPullRequestEvent(payload);
        return e
          ? this.onPullRequest(e)
          : result("INVALID", "The payload is not a pull_request event (no pull request or repository)");
      }
      default:
        return result("IGNORED", `Events of type ${JSON.stringify(event)} are not used (only issues and pull_request)`);
    }
  }

  private async onIssue(e: IssueEvent): Promise<WebhookResult> {
    const { issue } = e;
    const ref = { repository: issue.repository, number: issue.number };
    const by = githubWebhookPrincipal.name;
    switch (e.action) {
      case "labeled":
        return this.onLabelled(e);
      case "closed":
      case "reopened":
      case "edited": {
        const n = await this.links.changed("ISSUE", ref, { state: issue.state, title: issue.title }, by);
        return n > 0
          ? result("LINK_UPDATED", `Updated ${n} link(s) to issue ${issue.repository}#${issue.number}`, {
              linksChanged: n,
            })
          : result("IGNORED", `No task's link to issue ${issue.repository}#${issue.number} changed`);
      }
      default:
        return result("IGNORED", `Issue action ${JSON.stringify(e.action)} is not used`);
    }
  }

  private async onLabelled(e: IssueEvent): Promise<WebhookResult> {
    const { issue } = e;
    const name = `${issue.repository}#${issue.number}`;
    if (e.label === null || e.label.toLowerCase() !== this.settings.taskLabel.toLowerCase()) {
      return result("IGNORED", `The label is not the task label (${JSON.stringify(this.settings.taskLabel)})`);
    }
    if (!this.repositories.has(issue.repository.toLowerCase())) {
      return result("IGNORED", `${issue.repository} is not one of the repositories in GITHUB_REPOSITORIES`);
    }
    if (issue.state !== "OPEN") return result("IGNORED", `Issue ${name} is closed`);
    const made = await this.issues.createFromIssue(issue, githubWebhookPrincipal.name);
    if (made.created) {
      return result("TASK_CREATED", `Issue ${name} became task ${made.task.id}`, {
        taskId: made.task.id,
        linksChanged: 1,
      });
    }
    const n = await this.links.changed(
      "ISSUE",
      { repository: issue.repository, number: issue.number },
      { state: issue.state, title: issue.title },
      githubWebhookPrincipal.name,
    );
    return result("TASK_EXISTS", `Issue ${name} already has task ${made.taskId}, which is not finished`, {
      taskId: made.taskId,
      linksChanged: n,
    });
  }

  private async onPullRequest(e: PullRequestEvent): Promise<WebhookResult> {
    const name = `pull request ${e.repository}#${e.number}`;
    if (!["opened", "reopened", "closed", "edited", "synchronize", "ready_for_review"].includes(e.action)) {
      return result("IGNORED", `Pull request action ${JSON.stringify(e.action)} is not used`);
    }
    const by = githubWebhookPrincipal.name;
    let n = await this.links.changed("PULL_REQUEST", e, { state: e.state, title: e.title }, by);
    if ((e.action === "opened" || e.action === "reopened") && e.head) {
      n += await this.links.pullRequestOpened(
        e.head,
        { url: e.url, repository: e.repository, number: e.number, state: e.state, title: e.title, nodeId: e.nodeId },
        by,
      );
    }
    return n > 0
      ? result("LINK_UPDATED", `Updated ${n} link(s) to ${name}`, { linksChanged: n })
      : result("IGNORED", `No task is linked to ${name}, or its links did not change`);
  }
}

/** A required header's value: printable, at most HEADER_MAX characters. */
function header(name: string, value: string | undefined): string {
  const v = value?.trim() ?? "";
  if (v === "") throw badInput(name, "is missing (GitHub sends it with every delivery)");
  if (v.length > HEADER_MAX || !/^[\x21-\x7e]+$/.test(v)) {
    throw badInput(name, `must be at most ${HEADER_MAX} printable characters`);
  }
  return v;
}

/** The JSON payload: the body (application/json), or its `payload` field (application/x-www-form-urlencoded). */
function parsePayload(body: Buffer, contentType: string | undefined): unknown {
  let text = body.toString("utf8");
  if ((contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    text = new URLSearchParams(text).get("payload") ?? "";
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badInput("body", "is not JSON (set the webhook's content type to application/json)");
  }
}
