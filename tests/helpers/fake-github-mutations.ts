/**
 * The fake GitHub's mutations: they change the state as GitHub would (numbers shared by issues and
 * pull requests, stateReason, merged pull requests closing the issues they name) and refuse what
 * GitHub refuses, with its error types (NOT_FOUND for an unknown node id, UNPROCESSABLE otherwise).
 */
import {
  findRepository,
  fullName,
  isoNow,
  itemByNumber,
  newNodeId,
  newOid,
  nextNumber,
  type FakeIssue,
  type FakePull,
} from "./fake-github-state.js";
import {
  commentView,
  issueView,
  nodeNotFound,
  pullView,
  unprocessable,
  userView,
  type GraphContext,
} from "./fake-github-views.js";

type Input = Record<string, unknown>;
type Args = { input: Input };

let commentIds = 1_000_000;

export function mutationRoot(ctx: GraphContext): Record<string, unknown> {
  const { state } = ctx;
  const issueById = (id: unknown): FakeIssue => {
    const issue = state.issues.find((i) => i.id === id);
    if (!issue) throw nodeNotFound(id);
    return issue;
  };
  const pullById = (id: unknown): FakePull => {
    const pull = state.pulls.find((p) => p.id === id);
    if (!pull) throw nodeNotFound(id);
    return pull;
  };
  const itemById = (id: unknown): FakeIssue | FakePull => {
    const item = state.issues.find((i) => i.id === id) ?? state.pulls.find((p) => p.id === id);
    if (!item) throw nodeNotFound(id);
    return item;
  };
  const viewOf = (item: FakeIssue | FakePull) =>
    "isDraft" in item ? pullView(ctx, item) : issueView(ctx, item as FakeIssue);
  const labelIdsOf = (repository: string, ids: unknown): string[] =>
    ((ids as string[] | null | undefined) ?? []).map((id) => {
      if (!state.labels.some((l) => l.id === id && l.repository === repository)) throw nodeNotFound(id);
      return id;
    });
  const touch = (item: FakeIssue | FakePull) => {
    item.updatedAt = isoNow();
  };

  /** GitHub closes the issues a merged pull request names (closes #N, fixes #N, resolves #N). */
  const closeReferenced = (pull: FakePull) => {
    for (const m of pull.body.matchAll(/\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)/gi)) {
      const found = itemByNumber(state, pull.repository, Number(m[1]));
      if (found?.kind === "Issue" && found.item.state === "OPEN") {
        Object.assign(found.item, { state: "CLOSED", stateReason: "COMPLETED", closedAt: isoNow() });
        touch(found.item);
      }
    }
  };

  return {
    createIssue: ({ input }: Args) => {
      const repo = state.repositories.find((r) => r.id === input.repositoryId);
      if (!repo) throw nodeNotFound(input.repositoryId);
      if (!repo.hasIssuesEnabled) throw unprocessable("Issues are disabled for this repo");
      if (String(input.title ?? "").trim() === "") throw unprocessable("Title can't be blank");
      const repository = fullName(repo);
      const now = isoNow();
      const issue: FakeIssue = {
        id: newNodeId("I"),
        repository,
        number: nextNumber(state, repository),
        title: String(input.title),
        body: String(input.body ?? ""),
        author: ctx.viewer,
        labels: labelIdsOf(repository, input.labelIds),
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        state: "OPEN",
        stateReason: null,
      };
      state.issues.push(issue);
      return { clientMutationId: input.clientMutationId ?? null, issue: issueView(ctx, issue) };
    },
    closeIssue: ({ input }: Args) => {
      const issue = issueById(input.issueId);
      const reason = (input.stateReason as FakeIssue["stateReason"]) ?? "COMPLETED";
      Object.assign(issue, { state: "CLOSED", stateReason: reason, closedAt: isoNow() });
      touch(issue);
      return { clientMutationId: input.clientMutationId ?? null, issue: issueView(ctx, issue) };
    },
    reopenIssue: ({ input }: Args) => {
      const issue = issueById(input.issueId);
      Object.assign(issue, { state: "OPEN", stateReason: "REOPENED", closedAt: null });
      touch(issue);
      return { clientMutationId: input.clientMutationId ?? null, issue: issueView(ctx, issue) };
    },
    addComment: ({ input }: Args) => {
      const item = itemById(input.subjectId);
      if (String(input.body ?? "").trim() === "") throw unprocessable("Body can't be blank");
      const databaseId = ++commentIds;
      const comment = {
        id: `IC_kwFAKE${databaseId.toString(36)}`,
        databaseId,
        repository: item.repository,
        number: item.number,
        author: ctx.viewer,
        body: String(input.body),
        createdAt: isoNow(),
      };
      state.comments.push(comment);
      touch(item);
      const node = commentView(ctx, comment);
      return {
        clientMutationId: input.clientMutationId ?? null,
        commentEdge: { cursor: Buffer.from(`comment:${databaseId}`).toString("base64"), node },
        subject: viewOf(item),
        timelineEdge: null,
      };
    },
    createPullRequest: ({ input }: Args) => {
      const repo = state.repositories.find((r) => r.id === input.repositoryId);
      if (!repo) throw nodeNotFound(input.repositoryId);
      const repository = fullName(repo);
      const head = String(input.headRefName);
      const base = String(input.baseRefName);
      if (!repo.branches.includes(base)) throw unprocessable("Base ref must be a branch");
      if (head === base) throw unprocessable(`No commits between ${base} and ${head}`);
      if (ctx.requireKnownBranches && !repo.branches.includes(head)) {
        throw unprocessable(
          `Head sha can't be blank, No commits between ${base} and ${head}, Head ref must be a branch`,
        );
      }
      if (state.pulls.some((p) => p.repository === repository && p.state === "OPEN" && p.headRefName === head)) {
        throw unprocessable(`A pull request already exists for ${repo.owner}:${head}.`);
      }
      if (String(input.title ?? "").trim() === "") throw unprocessable("Title can't be blank");
      if (!repo.branches.includes(head)) repo.branches.push(head);
      const now = isoNow();
      const pull: FakePull = {
        id: newNodeId("PR"),
        repository,
        number: nextNumber(state, repository),
        title: String(input.title),
        body: String(input.body ?? ""),
        author: ctx.viewer,
        labels: [],
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        state: "OPEN",
        isDraft: input.draft === true,
        headRefName: head,
        baseRefName: base,
        reviewRequests: [],
        merged: false,
        mergedAt: null,
        mergeCommitOid: null,
        mergeMethod: null,
      };
      state.pulls.push(pull);
      return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullView(ctx, pull) };
    },
    closePullRequest: ({ input }: Args) => {
      const pull = pullById(input.pullRequestId);
      if (pull.state === "MERGED") throw unprocessable("Pull request is already merged");
      Object.assign(pull, { state: "CLOSED", closedAt: isoNow() });
      touch(pull);
      return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullView(ctx, pull) };
    },
    reopenPullRequest: ({ input }: Args) => {
      const pull = pullById(input.pullRequestId);
      if (pull.state === "MERGED") throw unprocessable("Could not reopen a merged pull request");
      Object.assign(pull, { state: "OPEN", closedAt: null });
      touch(pull);
      return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullView(ctx, pull) };
    },
    updatePullRequest: ({ input }: Args) => {
      const pull = pullById(input.pullRequestId);
      if (typeof input.title === "string") pull.title = input.title;
      if (typeof input.body === "string") pull.body = input.body;
      touch(pull);
      return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullView(ctx, pull) };
    },
    mergePullRequest: ({ input }: Args) => {
      const pull = pullById(input.pullRequestId);
      const repo = findRepository(state, pull.repository);
      const method = (input.mergeMethod as FakePull["mergeMethod"]) ?? "MERGE";
      if (pull.state !== "OPEN") throw unprocessable("Pull Request is not mergeable");
      if (pull.isDraft) throw unprocessable("Pull Request is still a draft");
      const allowed = {
        MERGE: repo?.mergeCommitAllowed,
        SQUASH: repo?.squashMergeAllowed,
        REBASE: repo?.rebaseMergeAllowed,
      };
      if (!allowed[method ?? "MERGE"]) {
        const what = { MERGE: "Merge commits", SQUASH: "Squash merges", REBASE: "Rebase merges" }[method ?? "MERGE"];
        throw unprocessable(`${what} are not allowed on this repository.`);
      }
      const now = isoNow();
      Object.assign(pull, {
        state: "MERGED",
        merged: true,
        mergedAt: now,
        closedAt: now,
        mergeCommitOid: newOid(),
        mergeMethod: method,
      });
      touch(pull);
      if (repo && pull.baseRefName === repo.defaultBranch) closeReferenced(pull);
      return {
        clientMutationId: input.clientMutationId ?? null,
        actor: userView(ctx, ctx.viewer),
        pullRequest: pullView(ctx, pull),
      };
    },
    requestReviews: ({ input }: Args) => {
      const pull = pullById(input.pullRequestId);
      const ids = (input.userIds as string[] | null | undefined) ?? [];
      for (const id of ids) {
        const user = state.users.find((u) => u.id === id && u.kind === "User");
        if (!user) throw nodeNotFound(id);
        if (user.login === pull.author) throw unprocessable("Review cannot be requested from pull request author.");
      }
      pull.reviewRequests = input.union === true ? [...new Set([...pull.reviewRequests, ...ids])] : [...ids];
      touch(pull);
      return {
        clientMutationId: input.clientMutationId ?? null,
        actor: userView(ctx, ctx.viewer),
        pullRequest: pullView(ctx, pull),
        requestedReviewersEdge: null,
      };
    },
    addLabelsToLabelable: ({ input }: Args) => {
      const item = itemById(input.labelableId);
      const ids = labelIdsOf(item.repository, input.labelIds);
      item.labels = [...new Set([...item.labels, ...ids])];
      touch(item);
      return { clientMutationId: input.clientMutationId ?? null, labelable: viewOf(item) };
    },
    removeLabelsFromLabelable: ({ input }: Args) => {
      const item = itemById(input.labelableId);
      const ids = labelIdsOf(item.repository, input.labelIds);
      item.labels = item.labels.filter((id) => !ids.includes(id));
      touch(item);
      return { clientMutationId: input.clientMutationId ?? null, labelable: viewOf(item) };
    },
  };
}
