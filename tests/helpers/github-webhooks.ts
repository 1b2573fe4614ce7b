/**
 * GitHub webhook deliveries for tests: payloads in the shape GitHub sends for `issues` and
 * `pull_request` events (the fields documented at
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads, trimmed of the many URL fields
 * the service does not read), signed as GitHub signs them (X-Hub-Signature-256 =
 * "sha256=" + HMAC-SHA256 of the raw body), and POSTed to the service.
 */
import { createHmac, randomUUID } from "node:crypto";

export interface IssueSpec {
  repository: string;
  number: number;
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  labels?: string[];
  author?: string;
  /** The web address GitHub shows (default https://github.com/<repository>/issues/<number>). */
  webUrl?: string;
}

const repositoryOf = (fullName: string, webUrl = "https://github.com") => {
  const [owner, name] = fullName.split("/") as [string, string];
  return {
    id: 1296269,
    node_id: "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
    name,
    full_name: fullName,
    private: false,
    owner: { login: owner, id: 1, node_id: "MDQ6VXNlcjE=", type: "Organization" },
    html_url: `${webUrl}/${fullName}`,
    default_branch: "main",
  };
};

const labelOf = (name: string, i: number) => ({
  id: 208045946 + i,
  node_id: `MDU6TGFiZWwyMDgwNDU5NDY${i}`,
  name,
  color: "f29513",
  default: false,
  description: null,
});

const userOf = (login: string) => ({ login, id: 583231, node_id: "MDQ6VXNlcjU4MzIzMQ==", type: "User" });

/** An `issues` event: `action` (labeled, closed, reopened, edited …) on the issue. */
export function issuePayload(action: string, spec: IssueSpec, extra: { label?: string } = {}) {
  const web = spec.webUrl ?? "https://github.com";
  const labels = spec.labels ?? (extra.label ? [extra.label] : []);
  return {
    action,
    issue: {
      url: `https://api.github.com/repos/${spec.repository}/issues/${spec.number}`,
      repository_url: `https://api.github.com/repos/${spec.repository}`,
      html_url: `${web}/${spec.repository}/issues/${spec.number}`,
      id: 1_000_000 + spec.number,
      node_id: `I_kwDOTest${spec.number}`,
      number: spec.number,
      title: spec.title ?? `Issue ${spec.number}`,
      user: userOf(spec.author ?? "octocat"),
      labels: labels.map(labelOf),
      state: spec.state ?? "open",
      locked: false,
      assignee: null,
      assignees: [],
      comments: 0,
      created_at: "2026-12-01T10:00:00Z",
      updated_at: "2026-12-01T10:05:00Z",
      closed_at: spec.state === "closed" ? "2026-12-01T10:05:00Z" : null,
      author_association: "OWNER",
      body: spec.body === undefined ? "Please fix this." : spec.body,
      state_reason: spec.state === "closed" ? "completed" : null,
    },
    ...(extra.label ? { label: labelOf(extra.label, 0) } : {}),
    repository: repositoryOf(spec.repository, web),
    sender: userOf(spec.author ?? "octocat"),
  };
}

export interface PullRequestSpec {
  repository: string;
  number: number;
  title?: string;
  head: string;
  base?: string;
  state?: "open" | "closed";
  merged?: boolean;
  webUrl?: string;
}

/** A `pull_request` event: `action` (opened, closed, reopened, edited …) on the pull request. */
export function pullRequestPayload(action: string, spec: PullRequestSpec) {
  const web = spec.webUrl ?? "https://github.com";
  const repo = repositoryOf(spec.repository, web);
  const merged = spec.merged === true;
  return {
    action,
    number: spec.number,
    pull_request: {
      url: `https://api.github.com/repos/${spec.repository}/pulls/${spec.number}`,
      id: 2_000_000 + spec.number,
      node_id: `PR_kwDOTest${spec.number}`,
      html_url: `${web}/${spec.repository}/pull/${spec.number}`,
      number: spec.number,
      state: spec.state ?? "open",
      locked: false,
      title: spec.title ?? `Pull request ${spec.number}`,
      user: userOf("octocat"),
      body: "",
      created_at: "2026-12-01T11:00:00Z",
      updated_at: "2026-12-01T11:00:00Z",
      closed_at: spec.state === "closed" ? "2026-12-01T11:30:00Z" : null,
      merged_at: merged ? "2026-12-01T11:30:00Z" : null,
      merged,
      head: { label: `octo:${spec.head}`, ref: spec.head, sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e", repo },
      base: { label: `octo:${spec.base ?? "main"}`, ref: spec.base ?? "main", sha: "9049f1265b7d", repo },
    },
    repository: repo,
    sender: userOf("octocat"),
  };
}

export const sign = (secret: string, body: Buffer | string): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

export interface Delivery {
  status: number;
  body: {
    outcome?: string;
    message?: string;
    replay?: boolean;
    taskId?: string | null;
    error?: { code: string; message: string };
  };
  deliveryId: string;
}

export interface DeliverOptions {
  /** Signs the body with it; null: no signature header. */
  secret: string | null;
  deliveryId?: string;
  /** Sent instead of the computed signature. */
  signature?: string;
  /** A raw body instead of the payload's JSON. */
  rawBody?: Buffer;
}

/** POSTs one delivery to <baseUrl>/webhooks/github as GitHub does. */
export async function deliver(
  baseUrl: string,
  event: string,
  payload: unknown,
  opts: DeliverOptions,
): Promise<Delivery> {
  const body = opts.rawBody ?? Buffer.from(JSON.stringify(payload));
  const deliveryId = opts.deliveryId ?? randomUUID();
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/044aadd",
    "x-github-event": event,
    "x-github-delivery": deliveryId,
    "x-github-hook-id": "292430182",
  };
  const signature = opts.signature ?? (opts.secret === null ? undefined : sign(opts.secret, body));
  if (signature !== undefined) headers["x-hub-signature-256"] = signature;
  const res = await fetch(`${baseUrl}/webhooks/github`, { method: "POST", headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Delivery["body"]) : {}, deliveryId };
}
