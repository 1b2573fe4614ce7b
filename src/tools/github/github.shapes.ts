/** The github* tools' inputs and results as zod schemas: the model's JSON schema and the API's types alike. */
import { z } from "zod";
import { dateTime, named } from "../api-shape.js";
import { GITHUB_NAMES_MAX, GITHUB_PAGE_MAX, ITEM_COMMENTS_MAX } from "./github.service.js";
import {
  closeReasons,
  githubItemKinds,
  githubItemStates,
  issueStates,
  mergeMethods,
  pullRequestStates,
} from "./github.types.js";

// ---- Inputs ----

export const repository = z
  .string()
  .min(3)
  .max(201)
  .describe(
    "The repository as owner/name (e.g. octocat/hello-world); GITHUB_REPOSITORIES, when set, lists those allowed.",
  );

export const itemNumber = z
  .number()
  .int()
  .min(1)
  .max(2_147_483_647)
  .describe("The issue's or pull request's number in the repository.");

export const first = z
  .number()
  .int()
  .min(1)
  .max(GITHUB_PAGE_MAX)
  .default(20)
  .describe(`How many to return (1 to ${GITHUB_PAGE_MAX}; default 20).`);

export const after = z
  .string()
  .min(1)
  .max(500)
  .optional()
  .describe("The endCursor of the page before, for the next page.");

export const title = z.string().trim().min(1).max(256).describe("The title (at most 256 characters).");

export const body = (what: string) => z.string().max(65_536).describe(`${what} (Markdown, at most 65,536 characters).`);

const labelName = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[^"\n\r]+$/, "must not contain quotes or line breaks");

export const labels = z
  .array(labelName)
  .max(GITHUB_NAMES_MAX)
  .describe(`Label names (at most ${GITHUB_NAMES_MAX}); each must exist in the repository.`);

export const users = z
  .array(
    z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub login (letters, digits and hyphens)"),
  )
  .min(1)
  .max(15)
  .describe("GitHub logins of the users asked to review (1 to 15).");

export const issueState = named("GitHubIssueState", z.enum(issueStates).describe("An issue's state."), {
  OPEN: "Open.",
  CLOSED: "Closed.",
});

export const pullRequestState = named(
  "GitHubPullRequestState",
  z.enum(pullRequestStates).describe("A pull request's state."),
  { OPEN: "Open.", CLOSED: "Closed without being merged.", MERGED: "Merged." },
);

export const closeReason = named("GitHubCloseReason", z.enum(closeReasons).describe("Why an issue is closed."), {
  COMPLETED: "Done, fixed or resolved.",
  NOT_PLANNED: "Will not be done (won't fix, stale, out of scope).",
});

export const mergeMethod = named("GitHubMergeMethod", z.enum(mergeMethods).describe("How a pull request is merged."), {
  MERGE: "A merge commit with every commit of the branch.",
  SQUASH: "The branch's commits squashed into one commit.",
  REBASE: "The branch's commits rebased onto the base, one by one.",
});

// ---- Results ----

const kind = named("GitHubItemKind", z.enum(githubItemKinds).describe("An issue or a pull request."), {
  ISSUE: "An issue.",
  PULL_REQUEST: "A pull request.",
});

const state = named(
  "GitHubItemState",
  z
    .enum(githubItemStates)
    .describe("The state of an issue (OPEN, CLOSED) or of a pull request (OPEN, CLOSED, MERGED)."),
  { OPEN: "Open.", CLOSED: "Closed (a pull request: without being merged).", MERGED: "A merged pull request." },
);

const repositoryOut = z.string().describe("The repository (owner/name).");
const numberOut = z.number().int().describe("The number in the repository.");
const urlOut = z.string().describe("Where GitHub shows it.");
const stateReason = z
  .string()
  .nullable()
  .describe(
    "Why an issue is closed (COMPLETED, NOT_PLANNED, DUPLICATE) or REOPENED; null for pull requests and issues never closed.",
  );

const itemFields = {
  kind,
  repository: repositoryOut,
  number: numberOut,
  title: z.string().describe("The title."),
  url: urlOut,
  state,
  stateReason,
  labels: z.array(z.string()).describe("The names of its labels."),
  updatedAt: dateTime().describe("When it last changed."),
  headRefName: z.string().nullable().describe("A pull request's head branch (null for an issue)."),
  baseRefName: z.string().nullable().describe("The branch a pull request goes into (null for an issue)."),
  isDraft: z.boolean().nullable().describe("A draft pull request (null for an issue)."),
};

export const itemPage = named(
  "GitHubItemPage",
  z
    .object({
      items: z
        .array(named("GitHubItem", z.object(itemFields).describe("An issue or pull request on GitHub.")))
        .describe("This page's issues and pull requests."),
      totalCount: z.number().int().describe("How many match, over every page."),
      hasNextPage: z.boolean().describe("More follow: pass endCursor as after."),
      endCursor: z.string().nullable().describe("The cursor of this page's last item; null when it has none."),
    })
    .describe("A page of issues or pull requests on GitHub."),
);

const comment = named(
  "GitHubComment",
  z
    .object({
      id: z.string().describe("GitHub's node id of the comment."),
      author: z.string().nullable().describe("Who wrote it (a login; null for a deleted account)."),
      body: z.string().describe("What it says (Markdown)."),
      url: z.string().describe("Where GitHub shows it."),
      createdAt: dateTime().describe("When it was written."),
    })
    .describe("A comment on an issue or pull request."),
);

export const itemDetail = named(
  "GitHubItemDetail",
  z
    .object({
      ...itemFields,
      id: z.string().describe("GitHub's node id."),
      body: z.string().describe("Its description (Markdown)."),
      author: z.string().nullable().describe("Who opened it (a login; null for a deleted account)."),
      createdAt: dateTime().describe("When it was opened."),
      closedAt: dateTime().nullable().describe("When it was last closed; null while open."),
      merged: z.boolean().nullable().describe("A pull request merged into its base (null for an issue)."),
      mergedAt: dateTime().nullable().describe("When a pull request was merged; null otherwise."),
      comments: z.array(comment).describe(`The latest comments (at most ${ITEM_COMMENTS_MAX}), oldest first.`),
      commentCount: z.number().int().describe("How many comments it has in all."),
    })
    .describe("An issue or pull request with its description and latest comments."),
);

const refFields = {
  kind,
  id: z.string().describe("GitHub's node id."),
  repository: repositoryOut,
  number: numberOut,
  url: urlOut,
  state,
  stateReason,
};

export const itemRef = named(
  "GitHubItemRef",
  z.object(refFields).describe("An issue or pull request just changed on GitHub."),
);

export const pullRequestResult = named(
  "GitHubPullRequestResult",
  z
    .object({
      ...refFields,
      headRefName: z.string().describe("The branch with the changes."),
      baseRefName: z.string().describe("The branch it goes into."),
      created: z
        .boolean()
        .describe(
          "Opened by this call (true), or an open pull request of this head branch existed and is this one (false).",
        ),
    })
    .describe("A pull request opened (or found open) on GitHub."),
);

export const commentResult = named(
  "GitHubCommentResult",
  z
    .object({
      repository: repositoryOut,
      number: numberOut,
      url: z.string().describe("Where GitHub shows the comment."),
    })
    .describe("A comment written on GitHub."),
);

export const labelsResult = named(
  "GitHubLabelsResult",
  z
    .object({
      repository: repositoryOut,
      number: numberOut,
      url: urlOut,
      labels: z.array(z.string()).describe("Every label it now has."),
    })
    .describe("The labels of an issue or pull request after some were added."),
);

export const reviewersResult = named(
  "GitHubReviewersResult",
  z
    .object({
      repository: repositoryOut,
      number: numberOut,
      url: urlOut,
      reviewers: z.array(z.string()).describe("Everyone now asked to review (user logins, team slugs)."),
    })
    .describe("The reviewers asked for a pull request."),
);

export const mergeResult = named(
  "GitHubMergeResult",
  z
    .object({
      repository: repositoryOut,
      number: numberOut,
      url: urlOut,
      method: mergeMethod,
      merged: z.boolean().describe("GitHub merged it."),
      mergeCommitSha: z.string().nullable().describe("The commit the merge made on the base branch."),
      mergedAt: dateTime().nullable().describe("When it was merged."),
    })
    .describe("A pull request merged on GitHub."),
);
