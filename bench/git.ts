/**
 * What the git tools' containment costs: clone, commit and push of a 1,000-file repository through
 * the tools (the tool service: the host's clone into the service's mirror, the workspace's clone of
 * it in the sandbox; the commit in the sandbox; the push as a bundle from the sandbox, checked into
 * the mirror and pushed from there with the token on a pipe) against the bare `git` CLI doing the
 * same clone, commit and push, on the same local git server (git http-backend behind HTTP Basic
 * auth). Interleaved rounds; medians, reported as ratios.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, type RunningApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { Principal } from "../src/domain/auth/principal.js";
import { createLogger } from "../src/logger.js";
import { startGitHttpServer, type GitHttpServer } from "../tests/helpers/git-http-server.js";
import { median, ms, sleep, tempDir, withoutKeyBanner, type Bench, type BenchResult } from "./lib.js";

const FILES = 1_000;
const ROUNDS = 5;
const TOKEN = `ghp_bench${"t".repeat(31)}`;
const ADMIN = `bench-admin-${"k".repeat(40)}`;
const REPO = "bench/thousand";
const operator: Principal = { apiKeyId: "", name: "bench", role: "ADMIN", agentId: null };

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** A fresh task's READY workspace (each tool clone needs an empty src/). */
async function workspace(app: RunningApp, round: number): Promise<{ taskId: string; workspaceId: string }> {
  const task = await gql<{ createTask: { id: string } }>(
    app.url,
    "mutation($t: String!) { createTask(input: { title: $t, complexity: 3 }) { id } }",
    { t: `git bench ${round}` },
  );
  for (let i = 0; i < 600; i++) {
    const t = await gql<{ task: { workspace: { id: string; status: string } | null } }>(
      app.url,
      "query($id: ID!) { task(id: $id) { workspace { id status } } }",
      { id: task.createTask.id },
    );
    if (t.task.workspace?.status === "READY") return { taskId: task.createTask.id, workspaceId: t.task.workspace.id };
    await sleep(50);
  }
  throw new Error("the workspace did not become READY");
}

/** A file of the repository: a few KB of text, in one of 25 folders. */
const fileOf = (i: number): [string, string] => [
  `pkg${i % 25}/module_${i}.py`,
  `# module ${i}\n${"VALUE = 'x' * 64\n".repeat(40 + (i % 40))}`,
];

async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

export const gitBench: Bench = {
  name: "git",
  description: `clone, commit and push of a ${FILES.toLocaleString("en-US")}-file repository through the git tools vs the bare git CLI`,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const server: GitHttpServer = await startGitHttpServer(TOKEN);
    const files = Object.fromEntries(Array.from({ length: FILES }, (_, i) => fileOf(i)));
    server.createRepo(REPO, files);
    const dataDir = tempDir("git");
    chmodSync(dataDir, 0o711);
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      ADMIN_API_KEY: ADMIN,
      GIT_ALLOWED_HOSTS: server.origin,
      GITHUB_URL: server.origin,
    });
    const app = await withoutKeyBanner(() => startApp({ config, logger: createLogger("silent"), workers: 1 }));
    const bareDir = tempDir("git-bare");
    const askpass = join(bareDir, "askpass");
    writeFileSync(askpass, `#!/bin/sh\ncase "$1" in Username*) echo x-access-token ;; *) echo ${TOKEN} ;; esac\n`, {
      mode: 0o700,
    });
    const bareEnv = {
      PATH: "/usr/bin:/bin",
      HOME: bareDir,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_ASKPASS: askpass,
      GIT_AUTHOR_NAME: "bench",
      GIT_AUTHOR_EMAIL: "bench@example.test",
      GIT_COMMITTER_NAME: "bench",
      GIT_COMMITTER_EMAIL: "bench@example.test",
    };
    // Asynchronous: the git server answers from this very process.
    const bare = (cwd: string, ...args: string[]) => promisify(execFile)("git", args, { cwd, env: bareEnv });
    const tool = <T>(id: string, input: Record<string, unknown>) => app.services.tools.call<T>(id, input, operator);
    try {
      await gql(
        app.url,
        'mutation { createAgent(input: { name: "bench", minComplexity: 1, maxComplexity: 10 }) { id } }',
      );
      await gql(
        app.url,
        'mutation($v: String!) { createSecret(input: { kind: GITHUB_TOKEN, name: "github", scope: GLOBAL, value: $v }) { id } }',
        { v: TOKEN },
      );
      const times = { toolClone: [] as number[], bareClone: [] as number[], toolCommit: [] as number[] };
      const more = { bareCommit: [] as number[], toolPush: [] as number[], barePush: [] as number[] };
      for (let round = 0; round < ROUNDS + 1; round++) {
        const keep = round > 0; // the first round warms up
        const { taskId, workspaceId } = await workspace(app, round);
        const [tc] = await timed(() => tool("gitClone", { workspaceId, url: server.url(REPO) }));
        const clone = join(bareDir, `clone-${round}`);
        const [bc] = await timed(() => bare(bareDir, "clone", "-q", server.url(REPO), clone));

        const branch = `bench-${round}`;
        await tool("gitBranch", { workspaceId, name: `tool-${branch}`, checkout: true });
        await tool("writeFile", { workspaceId, path: "src/pkg0/module_0.py", content: `# changed ${round}\n` });
        const [tk] = await timed(() => tool("gitCommit", { workspaceId, message: `change ${round}` }));
        await bare(clone, "switch", "-q", "-c", `bare-${branch}`);
        mkdirSync(join(clone, "pkg0"), { recursive: true });
        writeFileSync(join(clone, "pkg0", "module_0.py"), `# changed ${round}\n`);
        const [bk] = await timed(async () => {
          await bare(clone, "add", "-A");
          await bare(clone, "commit", "-q", "-m", `change ${round}`);
        });
        const [tp] = await timed(() => tool("gitPush", { workspaceId, branch: `tool-${branch}` }));
        const [bp] = await timed(() => bare(clone, "push", "-q", "origin", `bare-${branch}`));
        // The agent takes the next task once this one is over.
        await gql(app.url, "mutation($id: ID!) { cancelTask(id: $id) { id } }", { id: taskId });
        if (!keep) continue;
        times.toolClone.push(tc);
        times.bareClone.push(bc);
        times.toolCommit.push(tk);
        more.bareCommit.push(bk);
        more.toolPush.push(tp);
        more.barePush.push(bp);
      }
      const rows: Array<[string, number[], number[]]> = [
        ["clone", times.toolClone, times.bareClone],
        ["commit (one changed file)", times.toolCommit, more.bareCommit],
        ["push (a new branch, one commit)", more.toolPush, more.barePush],
      ];
      for (const [what, toolTimes, bareTimes] of rows) {
        const t = median(toolTimes);
        const b = median(bareTimes);
        result.figures.push(
          { name: `${what}, median`, value: ms(t), baseline: ms(b), note: "baseline: the git CLI, same server" },
          { name: `${what}, ratio to the git CLI`, value: `${(t / b).toFixed(2)}×` },
        );
        result.targets.push({
          name: `${what}: latency the tools add (median)`,
          measured: ms(t - b),
          target: "≤ 1,000 ms (a model turn takes seconds)",
          pass: t - b <= 1_000,
        });
      }
      result.notes.push(
        `${ROUNDS} rounds after one of warm-up, tools and CLI interleaved; the repository has ${FILES} files ` +
          `(${(Object.values(files).reduce((n, f) => n + f.length, 0) / 1048576).toFixed(1)} MB). A tool clone is two ` +
          "clones (the host's into the mirror over HTTP, the sandbox's from the mirror); a commit is three sandbox runs " +
          "(add, commit, rev-parse); a push is a sandbox run (bundle), index-pack with fsck into the mirror, then the push.",
      );
      return result;
    } finally {
      await app.stop();
      await server.close();
    }
  },
};
