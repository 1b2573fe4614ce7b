/**
 * The fake GitHub's objects as GraphQL sees them: views over the state with GitHub's field names
 * (a field with arguments is a function of them, as graphql-js's default resolver calls it), its
 * connections (first/last/after/before, GitHub's pagination limits), the Query root and search.
 */
import {
  findRepository,
  fullName,
  type FakeComment,
  type FakeGitHubState,
  type FakeIssue,
  type FakeLabel,
  type FakePull,
  type FakeRepository,
} from "./fake-github-state.js";

/** An error GitHub raises while executing (its `type`: NOT_FOUND, UNPROCESSABLE, FORBIDDEN, …). */
export class FakeGitHubError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** What resolvers see: the state, who the token is, where issues are shown. */
export interface GraphContext {
  state: FakeGitHubState;
  webUrl: string;
  /** The login the token belongs to (authors of what it creates). */
  viewer: string;
  /** createPullRequest refuses a head branch the repository's `branches` do not list. */
  requireKnownBranches: boolean;
}

export const notFound = (message: string) => new FakeGitHubError("NOT_FOUND", message);
export const unprocessable = (message: string) => new FakeGitHubError("UNPROCESSABLE", message);
export const nodeNotFound = (id: unknown) =>
  notFound(`Could not resolve to a node with the global id of '${String(id)}'.`);

type Args = Record<string, unknown>;
type View = Record<string, unknown>;

const cursorOf = (index: number) => Buffer.from(`cursor:v2:${index}`).toString("base64");
const indexOf = (cursor: unknown): number => {
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(String(cursor), "base64").toString("utf8"));
  if (!m)
    throw new FakeGitHubError(
      "INVALID_CURSOR_ARGUMENTS",
      `\`${String(cursor)}\` does not appear to be a valid cursor.`,
    );
  return Number(m[1]);
};

/** A connection over `items`, with GitHub's rules: first or last is required, at most 100. */
export function connection<T>(items: readonly T[], args: Args, view: (item: T) => unknown, name: string): View {
  const first = args.first as number | null | undefined;
  const last = args.last as number | null | undefined;
  if ((first === undefined || first === null) && (last === undefined || last === null)) {
    throw new FakeGitHubError(
      "MISSING_PAGINATION_BOUNDARIES",
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
    );
  }
  for (const [arg, value] of [
    ["first", first],
    ["last", last],
  ] as const) {
    if (typeof value === "number" && (value > 100 || value < 0)) {
      throw new FakeGitHubError(
        "EXCESSIVE_PAGINATION",
        `Requesting ${value} records on the \`${name}\` connection exceeds the \`${arg}\` limit of 100 records.`,
      );
    }
  }
  let start = args.after ? indexOf(args.after) + 1 : 0;
  let end = args.before ? indexOf(args.before) : items.length;
  if (typeof first === "number") end = Math.min(end, start + first);
  if (typeof last === "number") start = Math.max(start, end - last);
  const slice = items.slice(start, end);
  const nodes = slice.map(view);
  return {
    totalCount: items.length,
    nodes,
    edges: nodes.map((node, i) => ({ cursor: cursorOf(start + i), node })),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length > 0 ? cursorOf(start) : null,
      endCursor: slice.length > 0 ? cursorOf(end - 1) : null,
    },
  };
}

export function userView(ctx: GraphContext, login: string): View {
  const user = ctx.state.users.find((u) => u.login === login);
  return {
    __typename: user?.kind ?? "User",
    id: user?.id ?? `U_kwFAKE${login}`,
    login,
    name: user?.name ?? null,
    url: `${ctx.webUrl}/${login}`,
  };
}

export const labelView = (ctx: GraphContext, label: FakeLabel): View => ({
  __typename: "Label",
  id: label.id,
  name: label.name,
  color: label.color,
  description: label.description,
  url: `${ctx.webUrl}/${label.repository}/labels/${encodeURIComponent(label.name)}`,
});

export const itemUrl = (ctx: GraphContext, item: FakeIssue | FakePull, kind: "Issue" | "PullRequest") =>
  `${ctx.webUrl}/${item.repository}/${kind === "Issue" ? "issues" : "pull"}/${item.number}`;

export function commentView(ctx: GraphContext, comment: FakeComment): View {
  const issue = ctx.state.issues.find((i) => i.repository === comment.repository && i.number === comment.number);
  const pull = ctx.state.pulls.find((p) => p.repository === comment.repository && p.number === comment.number);
  const base = issue ? itemUrl(ctx, issue, "Issue") : pull ? itemUrl(ctx, pull, "PullRequest") : ctx.webUrl;
  return {
    __typename: "IssueComment",
    id: comment.id,
    databaseId: comment.databaseId,
    body: comment.body,
    createdAt: comment.createdAt,
    url: `${base}#issuecomment-${comment.databaseId}`,
    author: userView(ctx, comment.author),
  };
}

/** The fields issues and pull requests share. */
function itemFields(ctx: GraphContext, item: FakeIssue | FakePull, kind: "Issue" | "PullRequest"): View {
  const repo = findRepository(ctx.state, item.repository);
  return {
    __typename: kind,
    id: item.id,
    number: item.number,
    title: item.title,
    body: item.body,
    url: itemUrl(ctx, item, kind),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    closedAt: item.closedAt,
    closed: item.state !== "OPEN",
    author: userView(ctx, item.author),
    milestone: null,
    labels: (args: Args) =>
      connection(
        item.labels.flatMap((id) => ctx.state.labels.filter((l) => l.id === id)),
        args,
        (l) => labelView(ctx, l),
        "labels",
      ),
    comments: (args: Args) =>
      connection(
        ctx.state.comments.filter((c) => c.repository === item.repository && c.number === item.number),
        args,
        (c) => commentView(ctx, c),
        "comments",
      ),
    assignees: (args: Args) => connection([], args, () => null, "assignees"),
    assignedActors: (args: Args) => connection([], args, () => null, "assignedActors"),
    repository: () => (repo ? repositoryView(ctx, repo) : null),
  };
}

export const issueView = (ctx: GraphContext, issue: FakeIssue): View => ({
  ...itemFields(ctx, issue, "Issue"),
  state: issue.state,
  stateReason: issue.stateReason === "DUPLICATE" ? "NOT_PLANNED" : issue.stateReason,
});

export function pullView(ctx: GraphContext, pull: FakePull): View {
  const [owner = ""] = pull.repository.split("/");
  return {
    ...itemFields(ctx, pull, "PullRequest"),
    state: pull.state,
    isDraft: pull.isDraft,
    headRefName: pull.headRefName,
    baseRefName: pull.baseRefName,
    isCrossRepository: false,
    headRepositoryOwner: userView(ctx, owner),
    merged: pull.merged,
    mergedAt: pull.mergedAt,
    mergeCommit: pull.mergeCommitOid ? { __typename: "Commit", oid: pull.mergeCommitOid } : null,
    reviewRequests: (args: Args) =>
      connection(
        pull.reviewRequests,
        args,
        (userId) => {
          const user = ctx.state.users.find((u) => u.id === userId);
          return { __typename: "ReviewRequest", requestedReviewer: user ? userView(ctx, user.login) : null };
        },
        "reviewRequests",
      ),
  };
}

type Order = { field?: string; direction?: string } | null | undefined;

function ordered<T extends FakeIssue | FakePull>(items: T[], orderBy: Order): T[] {
  const key = orderBy?.field === "UPDATED_AT" ? "updatedAt" : "createdAt";
  const sorted = [...items].sort((a, b) => a[key].localeCompare(b[key]) || a.number - b.number);
  return orderBy?.direction === "DESC" ? sorted.reverse() : sorted;
}

const hasLabels = (ctx: GraphContext, item: FakeIssue | FakePull, names: unknown): boolean =>
  !Array.isArray(names) ||
  names.length === 0 ||
  names.some((name) => item.labels.some((id) => ctx.state.labels.find((l) => l.id === id)?.name === name));

export function repositoryView(ctx: GraphContext, repo: FakeRepository): View {
  const name = fullName(repo);
  const issues = () => ctx.state.issues.filter((i) => i.repository === name);
  const pulls = () => ctx.state.pulls.filter((p) => p.repository === name);
  return {
    __typename: "Repository",
    id: repo.id,
    name: repo.name,
    nameWithOwner: name,
    owner: userView(ctx, repo.owner),
    url: `${ctx.webUrl}/${name}`,
    description: repo.description,
    hasIssuesEnabled: repo.hasIssuesEnabled,
    hasWikiEnabled: repo.hasWikiEnabled,
    viewerPermission: repo.viewerPermission,
    isPrivate: repo.isPrivate,
    defaultBranchRef: repo.defaultBranch ? { __typename: "Ref", name: repo.defaultBranch } : null,
    parent: null,
    mergeCommitAllowed: repo.mergeCommitAllowed,
    rebaseMergeAllowed: repo.rebaseMergeAllowed,
    squashMergeAllowed: repo.squashMergeAllowed,
    issue: ({ number }: Args) => {
      const issue = issues().find((i) => i.number === number);
      if (!issue) throw notFound(`Could not resolve to an Issue with the number of ${String(number)}.`);
      return issueView(ctx, issue);
    },
    pullRequest: ({ number }: Args) => {
      const pull = pulls().find((p) => p.number === number);
      if (!pull) throw notFound(`Could not resolve to a PullRequest with the number of ${String(number)}.`);
      return pullView(ctx, pull);
    },
    issueOrPullRequest: ({ number }: Args) => {
      const issue = issues().find((i) => i.number === number);
      if (issue) return issueView(ctx, issue);
      const pull = pulls().find((p) => p.number === number);
      if (pull) return pullView(ctx, pull);
      throw notFound(`Could not resolve to an issue or pull request with the number of ${String(number)}.`);
    },
    issues: (args: Args) => {
      const filter = (args.filterBy ?? {}) as Args;
      const states = (args.states ?? filter.states) as string[] | null | undefined;
      const found = issues().filter(
        (i) =>
          (!states || states.includes(i.state)) &&
          hasLabels(ctx, i, args.labels ?? filter.labels) &&
          (!filter.createdBy || i.author === filter.createdBy),
      );
      return connection(ordered(found, args.orderBy as Order), args, (i) => issueView(ctx, i), "issues");
    },
    pullRequests: (args: Args) => {
      const states = args.states as string[] | null | undefined;
      const found = pulls().filter(
        (p) =>
          (!states || states.includes(p.state)) &&
          (!args.headRefName || p.headRefName === args.headRefName) &&
          (!args.baseRefName || p.baseRefName === args.baseRefName) &&
          hasLabels(ctx, p, args.labels),
      );
      return connection(ordered(found, args.orderBy as Order), args, (p) => pullView(ctx, p), "pullRequests");
    },
    label: ({ name: labelName }: Args) => {
      const wanted = String(labelName).toLowerCase();
      const label = ctx.state.labels.find((l) => l.repository === name && l.name.toLowerCase() === wanted);
      return label ? labelView(ctx, label) : null;
    },
    labels: (args: Args) =>
      connection(
        ctx.state.labels.filter((l) => l.repository === name),
        args,
        (l) => labelView(ctx, l),
        "labels",
      ),
  };
}

/** Any object by its node id (null when there is none). */
export function nodeView(ctx: GraphContext, id: unknown): View | null {
  const { state } = ctx;
  const issue = state.issues.find((i) => i.id === id);
  if (issue) return issueView(ctx, issue);
  const pull = state.pulls.find((p) => p.id === id);
  if (pull) return pullView(ctx, pull);
  const repo = state.repositories.find((r) => r.id === id);
  if (repo) return repositoryView(ctx, repo);
  const label = state.labels.find((l) => l.id === id);
  if (label) return labelView(ctx, label);
  const comment = state.comments.find((c) => c.id === id);
  if (comment) return commentView(ctx, comment);
  const user = state.users.find((u) => u.id === id);
  return user ? userView(ctx, user.login) : null;
}

/** GitHub's issue search, the qualifiers tests use: repo:, is:, state:, label:, author:, org:/user:, and words. */
function search(ctx: GraphContext, args: Args): View {
  const tokens = String(args.query).match(/-?[\w-]+:"[^"]*"|-?[\w-]+:\S+|"[^"]*"|\S+/g) ?? [];
  const quals: Array<{ key: string; value: string; not: boolean }> = [];
  const words: string[] = [];
  for (const t of tokens) {
    const m = /^(-?)([\w-]+):"?([^"]*)"?$/.exec(t);
    if (m) quals.push({ not: m[1] === "-", key: m[2]!.toLowerCase(), value: m[3]!.toLowerCase() });
    else words.push(t.replace(/"/g, "").toLowerCase());
  }
  const items: Array<{ kind: "Issue" | "PullRequest"; item: FakeIssue | FakePull }> =
    args.type === "ISSUE"
      ? [
          ...ctx.state.issues.map((item) => ({ kind: "Issue" as const, item })),
          ...ctx.state.pulls.map((item) => ({ kind: "PullRequest" as const, item })),
        ]
      : [];
  const repos = quals.filter((q) => q.key === "repo" && !q.not).map((q) => q.value);
  const matches = items.filter(({ kind, item }) => {
    if (repos.length > 0 && !repos.includes(item.repository.toLowerCase())) return false;
    const labelNames = item.labels.map((id) => ctx.state.labels.find((l) => l.id === id)?.name.toLowerCase());
    for (const q of quals) {
      if (q.key === "repo") {
        if (q.not && item.repository.toLowerCase() === q.value) return false;
        continue;
      }
      let ok: boolean;
      if ((q.key === "is" || q.key === "type") && (q.value === "issue" || q.value === "pr"))
        ok = (q.value === "pr") === (kind === "PullRequest");
      else if ((q.key === "is" || q.key === "state") && ["open", "closed", "merged"].includes(q.value))
        ok = q.value === "closed" ? item.state !== "OPEN" : item.state.toLowerCase() === q.value;
      else if (q.key === "label") ok = labelNames.includes(q.value);
      else if (q.key === "author") ok = item.author.toLowerCase() === q.value;
      else if (q.key === "org" || q.key === "user" || q.key === "owner")
        ok = item.repository.toLowerCase().startsWith(`${q.value}/`);
      else continue;
      // A qualifier that holds excludes the item when negated (-label:bug), and one that fails when not.
      if (q.not === ok) return false;
    }
    const text = `${item.title}\n${item.body}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  matches.sort((a, b) => b.item.updatedAt.localeCompare(a.item.updatedAt) || b.item.number - a.item.number);
  const conn = connection(
    matches,
    args,
    ({ kind, item }) => (kind === "Issue" ? issueView(ctx, item as FakeIssue) : pullView(ctx, item as FakePull)),
    "search",
  );
  return { ...conn, issueCount: matches.length, repositoryCount: 0, userCount: 0, discussionCount: 0 };
}

/** The Query type's fields. */
export function queryRoot(ctx: GraphContext): View {
  return {
    repository: ({ owner, name }: Args) => {
      const repo = findRepository(ctx.state, `${String(owner)}/${String(name)}`);
      if (!repo) throw notFound(`Could not resolve to a Repository with the name '${String(owner)}/${String(name)}'.`);
      return repositoryView(ctx, repo);
    },
    user: ({ login }: Args) => {
      if (!ctx.state.users.some((u) => u.login === login && u.kind === "User")) {
        throw notFound(`Could not resolve to a User with the login of '${String(login)}'.`);
      }
      return userView(ctx, String(login));
    },
    viewer: () => userView(ctx, ctx.viewer),
    node: ({ id }: Args) => {
      const node = nodeView(ctx, id);
      if (!node) throw nodeNotFound(id);
      return node;
    },
    search: (args: Args) => search(ctx, args),
  };
}
