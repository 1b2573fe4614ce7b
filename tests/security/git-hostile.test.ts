import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateSecretDocument,
  GitBranchDocument,
  GitCloneDocument,
  GitCommitDocument,
  GitDiffDocument,
  GitLogDocument,
  GitPushDocument,
  GitStatusDocument,
  RunCommandDocument,
  WriteFileDocument,
} from "../generated/graphql.js";
import { startGitHttpServer, type GitHttpServer } from "../helpers/git-http-server.js";
import { hasBwrap, hostileWorkspace, outputUntil, startPython, type HostileWorkspace } from "../helpers/hostile.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Hooks git would run for the operations the tools do (and a few more). */
const HOOKS = [
  "pre-commit",
  "prepare-commit-msg",
  "commit-msg",
  "post-commit",
  "pre-push",
  "reference-transaction",
  "post-checkout",
  "post-index-change",
  "fsmonitor-watchman",
  "pre-auto-gc",
  "post-rewrite",
];

/**
 * What the agent plants once the repository is cloned (the way an attacker would: a program of
 * its own writes the files; the file tools refuse .git/config and .git/hooks). Every program named
 * is evil.sh, which records its name in the host's marker folder (only there if it ran on the
 * host) and in the workspace's markers/ (if it ran in the sandbox), then passes its input on.
 */
const PLANT = String.raw`
import os, sys, stat
ws, host, origin = sys.argv[1], sys.argv[2], sys.argv[3]
def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
evil = f"{ws}/evil.sh"
write(evil, f"""#!/bin/sh
touch "{host}/$1" 2>/dev/null
mkdir -p "{ws}/markers"
touch "{ws}/markers/$1"
cat
""", 0o755)
for d in [f"{ws}/src/.git/hooks", f"{ws}/evil-hooks", f"{ws}/evil-hooks-included"]:
    for hook in sys.argv[4:]:
        write(f"{d}/{hook}", f"#!/bin/sh\nexec {evil} hook-{hook}-{os.path.basename(d)} </dev/null\n", 0o755)
write(f"{ws}/evil-include.cfg", f"""[core]
	hooksPath = {ws}/evil-hooks-included
	fsmonitor = {evil} fsmonitor-included
[credential]
	helper = !{evil} credential-included
""")
with open(f"{ws}/src/.git/config", "a") as f:
    f.write(f"""[core]
	hooksPath = {ws}/evil-hooks
	fsmonitor = {evil} fsmonitor
	sshCommand = {evil} sshCommand
	pager = {evil} pager
	editor = {evil} editor
	askPass = {evil} askpass
[pager]
	status = {evil} pager-status
	log = {evil} pager-log
	diff = {evil} pager-diff
[diff]
	external = {evil} diff-external
[diff "evil"]
	textconv = {evil} textconv
	command = {evil} diff-command
[filter "x"]
	clean = {evil} filter-clean
	smudge = {evil} filter-smudge
[filter "y"]
	process = {evil} filter-process
[credential]
	helper = !{evil} credential
[gpg]
	program = {evil} gpg
[commit]
	gpgSign = true
[log]
	showSignature = true
[include]
	path = {ws}/evil-include.cfg
[url "ext::sh -c touch% {host}/ext-insteadof% >&2"]
	insteadOf = {origin}/
[remote "origin"]
	pushurl = ext::sh -c touch% {host}/ext-pushurl% >&2
[alias]
	status = !{evil} alias-status
""")
print("planted")
`;

/** Markers an evil program may leave in the workspace: filter drivers, which git runs by design (in the sandbox). */
const FILTER_MARKERS = new Set(["filter-clean", "filter-smudge", "filter-process"]);

describe.skipIf(!hasBwrap)("a hostile repository: nothing of it runs on the host", () => {
  const token = `ghp_${randomBytes(18).toString("hex")}`;
  let git: GitHttpServer;
  let s: TestServer;
  let ws: HostileWorkspace;
  const hostDir = mkdtempSync(join(tmpdir(), "git-host-markers-"));
  chmodSync(hostDir, 0o700);

  beforeAll(async () => {
    git = await startGitHttpServer(token);
    git.createRepo("evil/repo", {
      "README.md": "hello\n",
      "notes.txt": "filtered\n",
      "data.dat": "processed\n",
      ".gitattributes": "*.txt filter=x diff=evil\n*.dat filter=y diff=evil\n*.md diff=evil\n",
      ".gitmodules": `[submodule "sub"]\n\tpath = sub\n\turl = ext::sh -c touch% ${hostDir}/submodule% >&2\n`,
    });
    s = await startTestServer("sqlite", {
      workers: 1,
      env: { GIT_ALLOWED_HOSTS: git.origin, GITHUB_URL: git.origin },
    });
    await s.ok(CreateSecretDocument, {
      input: { kind: "GITHUB_TOKEN", name: "github", scope: "GLOBAL", value: token },
    });
    ws = await hostileWorkspace(s, 4);
  });
  afterAll(async () => {
    await s?.stop();
    await git?.close();
    rmSync(hostDir, { recursive: true, force: true });
  });

  it("runs no hook, fsmonitor, filter, pager, helper or transport of the agent's on the host, and still pushes", async () => {
    const workspaceId = ws.workspaceId;
    const cloned = (await s.ok(GitCloneDocument, { workspaceId, url: git.url("evil/repo") }, ws.agentKey)).gitClone;
    expect(cloned.branch).toBe("main");

    // The file tools keep their guard rail on .git/config and .git/hooks...
    const refused = await s.gql(
      WriteFileDocument,
      { input: { workspaceId, path: "src/.git/hooks/pre-commit", content: "#!/bin/sh\n" } },
      ws.agentKey,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "POLICY_DENIED", rule: "path.git-protected" });
    // ...which a program of the agent's walks around: it plants everything.
    const runId = await startPython(s, ws, PLANT, [ws.root, hostDir, git.origin, ...HOOKS]);
    expect(await outputUntil(s, runId, null)).toContain("planted");
    expect(readFileSync(join(ws.root, "src", ".git", "config"), "utf8")).toContain("filter-clean");

    // Changes for every tool to look at: a tracked file (filtered), a new one, a deleted one.
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "src/notes.txt", content: "changed\n" } }, ws.agentKey);
    await s.ok(WriteFileDocument, { input: { workspaceId, path: "src/new.md", content: "new\n" } }, ws.agentKey);

    const status = (await s.ok(GitStatusDocument, { workspaceId }, ws.agentKey)).gitStatus;
    expect(status.entries.map((e) => e.path)).toEqual(expect.arrayContaining(["notes.txt", "new.md"]));
    const diff = (await s.ok(GitDiffDocument, { workspaceId }, ws.agentKey)).gitDiff;
    expect(diff.diff).toContain("+changed");
    expect((await s.ok(GitLogDocument, { workspaceId, max: 5 }, ws.agentKey)).gitLog.commits).toHaveLength(1);
    const branch = (await s.ok(GitBranchDocument, { workspaceId, name: "evil-work", checkout: true }, ws.agentKey))
      .gitBranch;
    expect(branch.current).toBe("evil-work");
    const commit = (await s.ok(GitCommitDocument, { workspaceId, message: "Hostile but harmless" }, ws.agentKey))
      .gitCommit;
    const staged = (await s.ok(GitDiffDocument, { workspaceId, staged: true }, ws.agentKey)).gitDiff;
    expect(staged.diff).toBe("");
    const pushed = (await s.ok(GitPushDocument, { workspaceId, branch: "evil-work" }, ws.agentKey)).gitPush;

    // The push delivered the commit, through the service's own URL (not the planted ext:: ones).
    expect(pushed.sha).toBe(commit.sha);
    expect(git.git("evil/repo", "rev-parse", "refs/heads/evil-work").trim()).toBe(commit.sha);
    expect(git.git("evil/repo", "show", "evil-work:new.md")).toBe("new\n");

    // Nothing ran on the host.
    expect(readdirSync(hostDir)).toEqual([]);
    // In the sandbox, nothing our settings switch off ran either: at most the filter drivers,
    // which git runs by design and which run there, in the agent's own domain.
    const markers = join(ws.root, "markers");
    const inSandbox = existsSync(markers) ? readdirSync(markers) : [];
    expect(inSandbox.filter((m) => !FILTER_MARKERS.has(m))).toEqual([]);
    // The planted configuration is live: git read it and ran its clean filter (in the sandbox).
    expect(inSandbox).toContain("filter-clean");
    // The mirror's configuration is the service's: nothing of the workspace's reached it.
    const mirror = join(s.config.workspacesDir, ".git-mirrors", `${workspaceId}.git`);
    const mirrorConfig = readFileSync(join(mirror, "config"), "utf8");
    expect(mirrorConfig).not.toMatch(/evil\.sh|evil-|ext::|hooksPath|fsmonitor|filter|credential/);
    expect(existsSync(join(mirror, "hooks"))).toBe(false);

    // The control: the agent's own git (runCommand, without the tools' settings) does run what it
    // planted, in its sandbox. The tools' git is what switches it off.
    const own = (
      await s.ok(
        RunCommandDocument,
        { input: { workspaceId, program: "git", args: ["-C", "src", "status", "--short"] } },
        ws.agentKey,
      )
    ).runCommand;
    await outputUntil(s, own.id, null);
    expect(readdirSync(markers).filter((m) => !FILTER_MARKERS.has(m)).length).toBeGreaterThan(0);
    expect(readdirSync(hostDir)).toEqual([]);
  });
});
