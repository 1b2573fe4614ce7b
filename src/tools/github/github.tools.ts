import { z } from "zod";
import { defineTool, workspaceInput, type ToolContext, type ToolPolicy } from "../registry.js";
import type { GitHubCaller } from "./github-graphql.js";
import * as shape from "./github.shapes.js";

/** Reads: anyone who may see the workspace (VIEWER and up, agents); queries in the API. */
const readPolicy: ToolPolicy = { roles: ["VIEWER", "AGENT"], sandbox: false, network: true, readOnly: true };
/** Changes on GitHub: people with OPERATOR (or ADMIN) and agents. */
const writePolicy: ToolPolicy = { roles: ["OPERATOR", "AGENT"], sandbox: false, network: true };

const errorsNote =
  "Fails with NOT_FOUND, FORBIDDEN, INSUFFICIENT_SCOPES, RATE_LIMITED (retryAfterSeconds says when to try again), NOT_CONFIGURED (no GitHub credentials) or GITHUB_FAILED.";

/** The call's credentials: the workspace's task and agent pick the GITHUB_TOKEN secret (TASK, then AGENT, then GLOBAL). */
const callerOf = (ctx: ToolContext, tool: string): GitHubCaller => ({
  scope: { taskId: ctx.workspace.taskId, agentId: ctx.workspace.agentId },
  use: { toolCallId: ctx.toolCallId, purpose: tool },
  signal: ctx.signal,
});

export const githubSearchIssues = defineTool({
  id: "githubSearchIssues",
  description: `Search GitHub's issues and pull requests with GitHub's search syntax (e.g. "repo:owner/name is:open label:bug crash"). ${errorsNote}`,
  input: workspaceInput.extend({
    query: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .describe("A GitHub search query (qualifiers: repo:, is:issue, is:pr, is:open, label:, author:, …)."),
    first: shape.first,
    after: shape.after,
  }),
  output: shape.itemPage,
  policy: readPolicy,
  execute: (ctx, i) => ctx.deps.github.service.searchIssues(callerOf(ctx, "githubSearchIssues"), i),
});

export const githubListIssues = defineTool({
  id: "githubListIssues",
  description: `List a repository's issues, newest first, by state and labels. ${errorsNote}`,
  input: workspaceInput.extend({
    repository: shape.repository,
    states: z.array(shape.issueState).max(2).default(["OPEN"]).describe("The states listed (default: OPEN)."),
    labels: shape.labels.optional().describe("Only issues with all of these labels."),
    first: shape.first,
    after: shape.after,
  }),
  output: shape.itemPage,
  policy: readPolicy,
  execute: (ctx, i) => ctx.deps.github.service.listIssues(callerOf(ctx, "githubListIssues"), i),
});

export const githubListPullRequests = defineTool({
  id: "githubListPullRequests",
  description: `List a repository's pull requests, newest first, by state. ${errorsNote}`,
  input: workspaceInput.extend({
    repository: shape.repository,
    states: z.array(shape.pullRequestState).max(3).default(["OPEN"]).describe("The states listed (default: OPEN)."),
    first: shape.first,
    after: shape.after,
  }),
  output: shape.itemPage,
  policy: readPolicy,
  execute: (ctx, i) => ctx.deps.github.service.listPullRequests(callerOf(ctx, "githubListPullRequests"), i),
});

export const githubGetIssue = defineTool({
  id: "githubGetIssue",
  description: `Read an issue or pull request: its description, state, labels and latest comments. ${errorsNote}`,
  input: workspaceInput.extend({ repository: shape.repository, number: shape.itemNumber }),
  output: shape.itemDetail,
  policy: readPolicy,
  execute: (ctx, i) => ctx.deps.github.service.getIssue(callerOf(ctx, "githubGetIssue"), i),
});

export const githubCreateIssue = defineTool({
  id: "githubCreateIssue",
  description: `Open an issue in a repository. ${errorsNote}`,
  input: workspaceInput.extend({
    repository: shape.repository,
    title: shape.title,
    body: shape.body("The issue's description").default(""),
    labels: shape.labels.optional(),
  }),
  output: shape.itemRef,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.createIssue(callerOf(ctx, "githubCreateIssue"), i),
});

export const githubCloseIssue = defineTool({
  id: "githubCloseIssue",
  description: `Close an issue with a reason (or a pull request, unmerged; the reason is then not used). ${errorsNote}`,
  input: workspaceInput.extend({
    repository: shape.repository,
    number: shape.itemNumber,
    reason: shape.closeReason.default("COMPLETED").describe("Why it is closed (default COMPLETED)."),
  }),
  output: shape.itemRef,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.closeIssue(callerOf(ctx, "githubCloseIssue"), i),
});

export const githubReopenIssue = defineTool({
  id: "githubReopenIssue",
  description: `Reopen a closed issue or an unmerged closed pull request. ${errorsNote}`,
  input: workspaceInput.extend({ repository: shape.repository, number: shape.itemNumber }),
  output: shape.itemRef,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.reopenIssue(callerOf(ctx, "githubReopenIssue"), i),
});

export const githubComment = defineTool({
  id: "githubComment",
  description: `Comment on an issue or pull request. ${errorsNote}`,
  input: workspaceInput.extend({
    repository: shape.repository,
    number: shape.itemNumber,
    body: shape.body("The comment").refine((b) => b.trim() !== "", "must not be empty"),
  }),
  output: shape.commentResult,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.addComment(callerOf(ctx, "githubComment"), i),
});

export const githubCreatePullRequest = defineTool({
  id: "githubCreatePullRequest",
  description: `Open a pull request of a pushed branch (head) into base (default: the repository's default branch). When an open pull request of head exists it is returned (created: false). ${errorsNote}`,
  input: workspaceInput.extend({
    repository: shape.repository,
    head: z.string().min(1).max(200).describe("The branch with the changes, pushed to the repository (gitPush)."),
    base: z.string().min(1).max(200).optional().describe("The branch it goes into (default: the default branch)."),
    title: shape.title,
    body: shape.body("The pull request's description").default(""),
    draft: z.boolean().default(false).describe("Open it as a draft (default false)."),
  }),
  output: shape.pullRequestResult,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.createPullRequest(callerOf(ctx, "githubCreatePullRequest"), i),
});

export const githubRequestReviewers = defineTool({
  id: "githubRequestReviewers",
  description: `Ask users to review a pull request (added to those already asked). ${errorsNote}`,
  input: workspaceInput.extend({ repository: shape.repository, number: shape.itemNumber, users: shape.users }),
  output: shape.reviewersResult,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.requestReviewers(callerOf(ctx, "githubRequestReviewers"), i),
});

export const githubAddLabels = defineTool({
  id: "githubAddLabels",
  description: `Add labels (existing ones of the repository, by name) to an issue or pull request. ${errorsNote}`,
  input: workspaceInput.extend({
    repository: shape.repository,
    number: shape.itemNumber,
    labels: shape.labels.min(1),
  }),
  output: shape.labelsResult,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.addLabels(callerOf(ctx, "githubAddLabels"), i),
});

export const githubMergePullRequest = defineTool({
  id: "githubMergePullRequest",
  description: `Merge an open pull request. Refused with POLICY_DENIED unless the operator allowed the method (GITHUB_MERGE_METHODS). ${errorsNote}`,
  input: workspaceInput.extend({ repository: shape.repository, number: shape.itemNumber, method: shape.mergeMethod }),
  output: shape.mergeResult,
  policy: writePolicy,
  execute: (ctx, i) => ctx.deps.github.service.mergePullRequest(callerOf(ctx, "githubMergePullRequest"), i),
});

/** Every GitHub tool, in the order the catalog lists them. */
export const githubTools = [
  githubSearchIssues,
  githubListIssues,
  githubListPullRequests,
  githubGetIssue,
  githubCreateIssue,
  githubCloseIssue,
  githubReopenIssue,
  githubComment,
  githubCreatePullRequest,
  githubRequestReviewers,
  githubAddLabels,
  githubMergePullRequest,
] as const;
