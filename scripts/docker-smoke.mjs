// The container half of scripts/docker-smoke.sh: runs the image with the flags docs/deployment.md
// gives and checks it through its public surface. Plain Node.js (no dependencies): `node
// scripts/docker-smoke.mjs <image>`. Exits non-zero, with the container's log, on a failure.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

const image = process.argv[2] ?? "agent-system:smoke";
const adminKey = randomBytes(32).toString("base64url");
const docker = (...args) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// While the service starts, Docker's port proxy accepts a connection and holds it without an answer;
// fetch's socket then keeps nothing alive and Node would exit mid-await (code 13): this timer does,
// and every request has a deadline.
const keepAlive = setInterval(() => undefined, 1000);
const request = (path, init = {}) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });

const container = docker(
  "run",
  "-d",
  "--rm",
  "-p",
  "127.0.0.1::4000",
  "-e",
  `ADMIN_API_KEY=${adminKey}`,
  "--cap-drop",
  "ALL",
  "--security-opt",
  "no-new-privileges",
  "--security-opt",
  "seccomp=unconfined",
  "--security-opt",
  "apparmor=unconfined",
  "--security-opt",
  "systempaths=unconfined",
  image,
);
const base = `http://${docker("port", container, "4000/tcp").split("\n")[0]}`;

async function until(what, probe, timeoutMs = 120_000) {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(250)) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function gql(query, variables, key = adminKey) {
  const res = await request("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok - ${message}`);
}

try {
  const user = docker("exec", container, "id", "-u");
  check(user === "10001", `the service runs as the image's user (uid ${user})`);
  await until("/healthz", async () => ((await request("/healthz")).ok ? true : undefined));
  check(true, "/healthz answers");
  const ready = await until("/readyz", async () => {
    const res = await request("/readyz");
    return res.ok ? res.json() : undefined;
  });
  check(
    /^bubblewrap/.test(String(ready.checks?.sandbox)),
    `bubblewrap sandboxes in the container (${ready.checks?.sandbox})`,
  );
  const anonymous = await request("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ agents(first: 1) { totalCount } }" }),
  }).then((res) => res.json());
  const refusal = anonymous.errors?.[0]?.extensions?.code;
  check(refusal === "UNAUTHENTICATED", `a request without a key is refused (${refusal})`);

  const { createAgent: agent } = await gql(
    `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`,
    { input: { name: "smoke", kind: "EXTERNAL", minComplexity: 1, maxComplexity: 10 } },
  );
  const { createApiKey } = await gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`, {
    input: { name: "smoke-agent", role: "AGENT", agentId: agent.id },
  });
  const { createTask: task } = await gql(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`, {
    input: { title: "smoke", complexity: 5 },
  });
  const workspace = await until(
    "a READY workspace (venv included)",
    async () => {
      const { task: t } = await gql(`query($id: ID!) { task(id: $id) { workspace { id status error } } }`, {
        id: task.id,
      });
      if (t.workspace?.status === "FAILED") throw new Error(`workspace failed: ${t.workspace.error}`);
      return t.workspace?.status === "READY" ? t.workspace : undefined;
    },
    300_000,
  );
  check(true, "a task got a READY workspace");
  const { runCommand: run } = await gql(
    `mutation($input: RunCommandInput!) { runCommand(input: $input) { id } }`,
    { input: { workspaceId: workspace.id, program: "python3", args: ["-c", "print(6 * 7)"] } },
    createApiKey.key,
  );
  const ended = await until("the command's end", async () => {
    const { commandRun } = await gql(
      `query($id: ID!) { commandRun(id: $id) { status exitCode stdoutBytes sandbox } }`,
      { id: run.id },
    );
    return commandRun.status === "RUNNING" ? undefined : commandRun;
  });
  check(
    ended.status === "SUCCEEDED" && ended.exitCode === 0 && ended.stdoutBytes === 3 && ended.sandbox === "BWRAP",
    `a command ran in the task's sandbox (${JSON.stringify(ended)})`,
  );
  const backup = docker("exec", container, "node", "/app/dist/main.js", "backup", "/data/smoke-backup.sqlite");
  check(
    docker("exec", container, "test", "-s", "/data/smoke-backup.sqlite") === "",
    `backup works (${backup.split("\n").pop()})`,
  );
} catch (err) {
  console.error(`not ok - ${err instanceof Error ? err.message : err}`);
  try {
    console.error(docker("logs", "--tail", "60", container));
  } catch {}
  process.exitCode = 1;
} finally {
  clearInterval(keepAlive);
  try {
    docker("rm", "-f", container);
  } catch {}
}
