import { z } from "zod";
import type { Role } from "../../domain/terms.js";
import { dateTime, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolContext, type ToolPolicy } from "../registry.js";
import { sandboxGate } from "../terminal/terminal.tools.js";
import { branchName, repoPath, revision } from "./git-inputs.js";
import type { GitChangeKind, GitStatusResult } from "./git-parse.js";
import type {
  GitBranchesResult,
  GitCall,
  GitCloneResult,
  GitCommitResult,
  GitDiffResult,
  GitPushResult,
} from "./git.service.js";

/** The most commits gitLog returns. */
export const GIT_LOG_MAX = 200;
/** gitDiff's default and largest maxBytes. */
export const GIT_DIFF_DEFAULT_BYTES = 256 * 1024;
export const GIT_DIFF_MAX_BYTES = 4 * 1024 * 1024;
/** The deepest shallow clone asked for (depth is a number of commits). */
export const GIT_CLONE_MAX_DEPTH = 100_000;

const roles: readonly Role[] = ["OPERATOR", "AGENT"];
/** Every git tool runs git in the workspace's sandbox (a repository's config may run programs there). */
const readPolicy: ToolPolicy = { roles, sandbox: true, network: false, readOnly: true };
const writePolicy: ToolPolicy = { roles, sandbox: true, network: false };
const networkPolicy: ToolPolicy = { roles, sandbox: true, network: true };

const gitCall = (ctx: ToolContext): GitCall => {
  sandboxGate(ctx.deps);
  return {
    workspace: ctx.workspace,
    toolCallId: ctx.toolCallId,
    signal: ctx.signal,
    connection: ctx.deps.git.connection,
  };
};

const person = named(
  "GitPerson",
  z
    .object({
      name: z.string().describe("The person's name as git records it."),
      email: z.string().describe("Their email address as git records it."),
    })
    .describe("An author or committer of a commit."),
);

const changeKind = named(
  "GitChangeKind",
  z
    .enum(["changed", "renamed", "copied", "unmerged", "untracked", "ignored"])
    .describe("What kind of change a path has."),
  {
    changed: "Modified, added, deleted or with a new type, in the index or the working tree.",
    renamed: "Renamed (origPath is where it came from).",
    copied: "Copied (origPath is what it was copied from).",
    unmerged: "Left in conflict by a merge.",
    untracked: "Not tracked by git.",
    ignored: "Ignored by .gitignore.",
  },
);

export const gitClone = defineTool({
  id: "gitClone",
  description:
    "Clone a repository into the workspace's src/ folder (which must be empty). The URL must be an https address (http where the operator allows it) of an allowed host, as <origin>/<owner>/<name>[.git], without credentials: the service signs in itself. Then work in src/ with the file tools and the other git tools, and deliver with gitPush.",
  input: workspaceInput.extend({
    url: z.string().min(1).max(2048).describe("The repository's https URL, e.g. https://github.com/owner/name.git."),
    branch: branchName.optional().describe("The branch to clone; default the repository's default branch."),
    depth: z
      .number()
      .int()
      .min(1)
      .max(GIT_CLONE_MAX_DEPTH)
      .optional()
      .describe(`Only the last this many commits (a shallow clone), 1 to ${GIT_CLONE_MAX_DEPTH}; default all.`),
  }),
  output: named(
    "GitCloneResult",
    z
      .object({
        path: z.string().describe("Where the repository is in the workspace (src)."),
        url: z.string().describe("The remote's URL (its origin in src/)."),
        repository: z.string().describe("The repository as owner/name."),
        branch: z.string().describe("The branch checked out."),
        sha: z.string().nullable().describe("The branch's commit; null for an empty repository."),
      })
      .describe("A repository cloned into the workspace."),
  ) as z.ZodType<GitCloneResult>,
  policy: networkPolicy,
  execute: (ctx, input) => ctx.deps.git.service.clone(gitCall(ctx), input),
});

export const gitStatus = defineTool({
  id: "gitStatus",
  description:
    "The state of the repository in src/: the branch, its upstream and how far ahead and behind it is, and every changed, untracked or conflicted path.",
  input: workspaceInput,
  output: named(
    "GitStatus",
    z
      .object({
        branch: z.string().nullable().describe("The checked-out branch; null when HEAD is detached."),
        head: z.string().nullable().describe("HEAD's commit; null before the first commit."),
        upstream: z.string().nullable().describe("The branch's upstream (origin/main); null when it has none."),
        ahead: z.number().int().describe("Commits on the branch that its upstream does not have."),
        behind: z.number().int().describe("Commits on the upstream that the branch does not have."),
        clean: z.boolean().describe("True when nothing is changed or untracked."),
        truncated: z.boolean().describe("True when more paths changed than entries lists (1,000 at most)."),
        entries: z
          .array(
            named(
              "GitStatusEntry",
              z
                .object({
                  path: z.string().describe("The path, relative to src/."),
                  origPath: z.string().nullable().describe("A rename's or copy's source; null otherwise."),
                  status: z
                    .string()
                    .describe(
                      "Git's two-letter code: the index's state then the working tree's (. unchanged, M, A, D, R, C, U; ?? untracked).",
                    ),
                  kind: changeKind,
                })
                .describe("One changed path of the repository."),
            ),
          )
          .describe("The changed paths, in git's order."),
      })
      .describe("The repository's branch and changes."),
  ) as z.ZodType<GitStatusResult & { entries: Array<{ kind: GitChangeKind }> }>,
  policy: readPolicy,
  execute: (ctx) => ctx.deps.git.service.status(gitCall(ctx)),
});

export const gitDiff = defineTool({
  id: "gitDiff",
  description:
    "The repository's changes as a unified diff: the working tree against the index, or with staged the index against HEAD; optionally only some paths. Cut at maxBytes.",
  input: workspaceInput.extend({
    staged: z.boolean().default(false).describe("The staged changes (index against HEAD) instead of the unstaged."),
    paths: z.array(repoPath).max(100).default([]).describe("Only these paths (relative to src/); default all."),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(GIT_DIFF_MAX_BYTES)
      .default(GIT_DIFF_DEFAULT_BYTES)
      .describe(`The most bytes of diff returned, up to ${GIT_DIFF_MAX_BYTES}; default ${GIT_DIFF_DEFAULT_BYTES}.`),
  }),
  output: named(
    "GitDiff",
    z
      .object({
        diff: z.string().describe("The unified diff (empty when nothing changed)."),
        truncated: z.boolean().describe("True when the diff was cut at maxBytes."),
      })
      .describe("A diff of the repository."),
  ) as z.ZodType<GitDiffResult>,
  policy: readPolicy,
  execute: (ctx, input) => ctx.deps.git.service.diff(gitCall(ctx), input),
});

export const gitLog = defineTool({
  id: "gitLog",
  description: "The latest commits of the repository (of HEAD, or of a branch, commit or range).",
  input: workspaceInput.extend({
    max: z
      .number()
      .int()
      .min(1)
      .max(GIT_LOG_MAX)
      .default(20)
      .describe(`How many commits, 1 to ${GIT_LOG_MAX}; default 20.`),
    ref: revision.optional().describe("A branch, commit or range (main..feature); default HEAD."),
  }),
  output: named(
    "GitLog",
    z
      .object({
        commits: z
          .array(
            named(
              "GitLogEntry",
              z
                .object({
                  sha: z.string().describe("The commit's id."),
                  author: person.describe("Who wrote it."),
                  date: dateTime().describe("When it was written (the author date)."),
                  subject: z.string().describe("The first line of its message."),
                })
                .describe("One commit."),
            ),
          )
          .describe("The commits, newest first."),
      })
      .describe("Commits of the repository."),
  ) as z.ZodType<{
    commits: Array<{ sha: string; author: { name: string; email: string }; date: Date; subject: string }>;
  }>,
  policy: readPolicy,
  execute: (ctx, input) => ctx.deps.git.service.log(gitCall(ctx), input),
});

export const gitBranch = defineTool({
  id: "gitBranch",
  description:
    "List the repository's branches; with name, create that branch (from `from`, default HEAD) if it does not exist, and with checkout switch to it.",
  input: workspaceInput.extend({
    name: branchName.optional().describe("The branch to create (or, with checkout, switch to); omit to only list."),
    from: revision.optional().describe("Where a new branch starts (a branch or commit); default HEAD."),
    checkout: z.boolean().default(false).describe("Switch to the branch."),
  }),
  output: named(
    "GitBranches",
    z
      .object({
        current: z.string().nullable().describe("The checked-out branch; null when HEAD is detached."),
        branches: z
          .array(
            named(
              "GitBranch",
              z
                .object({
                  name: z.string().describe("The branch's name (origin/… for a remote-tracking one)."),
                  sha: z.string().describe("Its commit."),
                  remote: z.boolean().describe("A remote-tracking branch rather than a local one."),
                  current: z.boolean().describe("The checked-out branch."),
                  upstream: z.string().nullable().describe("The branch it tracks; null when none."),
                })
                .describe("A branch of the repository."),
            ),
          )
          .describe("Local branches, then remote-tracking ones."),
      })
      .describe("The repository's branches."),
  ) as z.ZodType<GitBranchesResult>,
  policy: writePolicy,
  execute: (ctx, input) => ctx.deps.git.service.branch(gitCall(ctx), input),
});

export const gitCommit = defineTool({
  id: "gitCommit",
  description:
    "Commit changes of the repository in src/: the given paths (added first, untracked ones too), or every change. The author defaults to the agent (with a noreply address).",
  input: workspaceInput.extend({
    message: z
      .string()
      .min(1)
      .max(65_536)
      .refine((m) => m.trim() !== "", { message: "must not be blank" })
      .describe("The commit message: a subject line, optionally a blank line and a body."),
    paths: z
      .array(repoPath)
      .max(1_000)
      .optional()
      .describe("Only these paths (relative to src/); default every change, untracked files included."),
    author: named(
      "GitAuthorInput",
      z
        .object({
          name: z
            .string()
            .min(1)
            .max(200)
            .regex(/^[^<>\n\r\0]+$/, "must not contain <, > or line breaks")
            .describe("The author's name."),
          email: z
            .string()
            .max(254)
            .regex(/^[^\s<>@]+@[^\s<>@]+$/, "must be an email address")
            .describe("The author's email address."),
        })
        .describe("Who a commit is by."),
    )
      .optional()
      .describe("The commit's author; default the agent. The committer is always the agent."),
  }),
  output: named(
    "GitCommitResult",
    z
      .object({
        sha: z.string().describe("The new commit's id."),
        branch: z.string().nullable().describe("The branch it is on; null when HEAD is detached."),
        subject: z.string().describe("The first line of its message."),
        author: person.describe("Its author."),
      })
      .describe("A commit made."),
  ) as z.ZodType<GitCommitResult>,
  policy: writePolicy,
  execute: (ctx, input) => ctx.deps.git.service.commit(gitCall(ctx), input),
});

export const gitPush = defineTool({
  id: "gitPush",
  description:
    "Push a branch of the repository in src/ to the repository it was cloned from (never forced): a branch the remote has moved on fails with CONFLICT.",
  input: workspaceInput.extend({
    branch: branchName.describe("The local branch to push; it is pushed under the same name."),
  }),
  output: named(
    "GitPushResult",
    z
      .object({
        repository: z.string().describe("The repository as owner/name."),
        branch: z.string().describe("The branch pushed."),
        sha: z.string().describe("The commit the remote branch is at now."),
        url: z.string().describe("The repository's URL."),
      })
      .describe("A branch delivered to its repository."),
  ) as z.ZodType<GitPushResult>,
  policy: networkPolicy,
  async execute(ctx, input) {
    const result = await ctx.deps.git.service.push(gitCall(ctx), input);
    await ctx.deps.git.onPushed?.(ctx, result);
    return result;
  },
});
