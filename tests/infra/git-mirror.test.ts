import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostGit, redactGit } from "../../src/infra/git/host-git.js";
import { GitMirrors, readBundleHead } from "../../src/infra/git/mirror.js";
import { parseBranches, parseLog, parseStatus, BRANCH_FORMAT, LOG_FORMAT } from "../../src/tools/git/git-parse.js";
import { newId } from "../../src/domain/ids.js";
import { startGitHttpServer } from "../helpers/git-http-server.js";

const base = mkdtempSync(join(tmpdir(), "git-mirror-test-"));
const env = {
  PATH: "/usr/bin:/bin",
  HOME: base,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "T",
  GIT_AUTHOR_EMAIL: "t@example.test",
  GIT_COMMITTER_NAME: "T",
  GIT_COMMITTER_EMAIL: "t@example.test",
};
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env }).toString("utf8");

/** A work repository with one commit on main. */
function workRepo(): string {
  const dir = mkdtempSync(join(base, "work-"));
  git(dir, "init", "-q", "--template=", "-b", "main", ".");
  writeFileSync(join(dir, "a.txt"), "a\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "one");
  return dir;
}

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("the mirror takes a branch only from a sound bundle", () => {
  const hostGit = new HostGit({ privateDir: join(base, "private"), timeoutMs: 30_000 });
  const mirrors = new GitMirrors(join(base, "mirrors"), hostGit);

  async function mirrorOf(work: string): Promise<string> {
    await mirrors.prepare();
    const path = mirrors.pathFor(newId());
    git(base, "clone", "-q", "--bare", "--template=", work, path);
    return path;
  }

  it("takes an incremental bundle and sets the branch to its commit", async () => {
    const work = workRepo();
    const mirror = await mirrorOf(work);
    const tips = await mirrors.tips(mirror);
    writeFileSync(join(work, "b.txt"), "b\n");
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "two");
    git(work, "branch", "feature");
    const bundle = join(base, "inc.bundle");
    execFileSync("git", ["bundle", "create", bundle, "refs/heads/feature", "--not", ...tips], { cwd: work, env });
    const sha = await mirrors.receiveBundle(mirror, bundle, "feature");
    expect(sha).toBe(git(work, "rev-parse", "HEAD").trim());
    expect(git(mirror, "rev-parse", "refs/heads/feature").trim()).toBe(sha);
  });

  it("refuses a bundle with a broken object (fsck), and leaves the branch alone", async () => {
    const work = workRepo();
    const mirror = await mirrorOf(work);
    const tree = git(work, "rev-parse", "HEAD^{tree}").trim();
    const raw = join(base, "bad-commit.txt");
    writeFileSync(raw, `tree ${tree}\nauthor bad <a@b> notadate +0000\ncommitter a <a@b> 1 +0000\n\nbad\n`);
    const bad = git(work, "hash-object", "-t", "commit", "-w", "--literally", raw).trim();
    git(work, "update-ref", "refs/heads/evil", bad);
    const bundle = join(base, "evil.bundle");
    execFileSync("git", ["bundle", "create", bundle, "refs/heads/evil"], { cwd: work, env });
    await expect(mirrors.receiveBundle(mirror, bundle, "evil")).rejects.toMatchObject({ code: "GIT_FAILED" });
    expect(() => git(mirror, "rev-parse", "--verify", "--quiet", "refs/heads/evil")).toThrow();
  });

  it("refuses a bundle that does not hold exactly the branch asked for", async () => {
    const work = workRepo();
    const mirror = await mirrorOf(work);
    git(work, "branch", "other");
    const two = join(base, "two.bundle");
    execFileSync("git", ["bundle", "create", two, "refs/heads/main", "refs/heads/other"], { cwd: work, env });
    await expect(mirrors.receiveBundle(mirror, two, "main")).rejects.toMatchObject({ code: "GIT_FAILED" });
    const wrong = join(base, "wrong.bundle");
    execFileSync("git", ["bundle", "create", wrong, "refs/heads/other"], { cwd: work, env });
    await expect(readBundleHead(wrong, "refs/heads/main")).rejects.toMatchObject({ code: "GIT_FAILED" });
    const junk = join(base, "junk.bundle");
    writeFileSync(junk, "# v2 git bundle\nnot-a-sha refs/heads/main\n\nPACK");
    await expect(readBundleHead(junk, "refs/heads/main")).rejects.toMatchObject({ code: "GIT_FAILED" });
  });

  it("stops a clone larger than a workspace may be, and keeps no mirror of it", async () => {
    const server = await startGitHttpServer("size-token");
    try {
      server.createRepo("big/repo", { "blob.bin": randomBytes(256 * 1024) });
      const id = newId();
      const clone = mirrors.clone(id, server.url("big/repo"), {
        auth: { username: "x-access-token", token: "size-token" },
        allowHttp: true,
        maxBytes: 64 * 1024,
      });
      await expect(clone).rejects.toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: "maxWorkspaceBytes" } });
      expect(existsSync(mirrors.pathFor(id))).toBe(false);
      expect(readdirSync(mirrors.dir)).not.toContainEqual(expect.stringContaining(id));
      const fits = await mirrors.clone(id, server.url("big/repo"), {
        auth: { username: "x-access-token", token: "size-token" },
        allowHttp: true,
        maxBytes: 1024 * 1024,
      });
      expect(fits).toMatchObject({ branch: "main", path: mirrors.pathFor(id) });
      expect(await mirrors.originUrl(fits.path)).toBe(server.url("big/repo"));
    } finally {
      await server.close();
    }
  });

  it("never lets git read a user's or the system's configuration", async () => {
    const r = await hostGit.run(["config", "--list", "--show-origin"]);
    expect(
      r.stdout.split("\n").filter((l) => l.startsWith("file:") || l.startsWith("global") || l.startsWith("system")),
    ).toEqual([]);
    expect(r.stdout).toContain("protocol.allow=never");
    expect(r.stdout).toContain("credential.helper=");
  });

  it("removes a token and URL credentials from what it reports", () => {
    expect(redactGit("fatal: https://user:s3cr3t-token@host/x: token s3cr3t-token", "s3cr3t-token")).toBe(
      "fatal: https://host/x: token [REDACTED]",
    );
  });
});

describe("reading git's machine formats", () => {
  it("reads porcelain v2 status: branch, upstream, renames, untracked", () => {
    const work = workRepo();
    git(work, "mv", "a.txt", "renamed file.txt");
    writeFileSync(join(work, "new.txt"), "n\n");
    const status = parseStatus(git(work, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all"), 100);
    expect(status).toMatchObject({ branch: "main", upstream: null, clean: false, truncated: false });
    expect(status.entries).toEqual([
      { path: "renamed file.txt", origPath: "a.txt", status: "R.", kind: "renamed" },
      { path: "new.txt", origPath: null, status: "??", kind: "untracked" },
    ]);
    expect(parseStatus(git(work, "status", "--porcelain=v2", "--branch", "-z"), 1).truncated).toBe(true);
  });

  it("reads log records and branch lists", () => {
    const work = workRepo();
    git(work, "commit", "-q", "--allow-empty", "-m", "with \u001f unit separator");
    const log = parseLog(git(work, "log", LOG_FORMAT));
    expect(log.map((c) => c.subject)).toEqual(["with \u001f unit separator", "one"]);
    expect(log[0]?.author).toEqual({ name: "T", email: "t@example.test" });
    git(work, "branch", "feature");
    const branches = parseBranches(git(work, "for-each-ref", BRANCH_FORMAT, "refs/heads"));
    expect(branches.map((b) => [b.name, b.current])).toEqual([
      ["feature", false],
      ["main", true],
    ]);
  });
});
