import { CreateAgentDocument, CreateApiKeyDocument, CreateTaskDocument, TaskDocument } from "../generated/graphql.js";
import type { FakeDuckDuckGo } from "./fake-duckduckgo.js";
import type { TestServer } from "./server.js";

/** An agent with its key, and a task of its with a READY workspace to search in. */
export interface SearchSetup {
  agentId: string;
  key: string;
  keyName: string;
  taskId: string;
  workspaceId: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment that points a test server's web search at the fake engine (its address allowed). */
export const searchEnv = (ddg: FakeDuckDuckGo, extra: Record<string, string> = {}): Record<string, string> => ({
  SEARCH_DDG_URL: ddg.url,
  SEARCH_DDG_LITE_URL: ddg.liteUrl,
  FETCH_ALLOW: "127.0.0.1",
  FETCH_HOST_DELAY_MS: "0",
  ...extra,
});

/**
 * An EXTERNAL agent taking tasks of exactly `complexity`, its AGENT key, and one task of its whose
 * workspace the worker has made (waited for: the task's workspace READY).
 */
export async function searchSetup(s: TestServer, name: string, complexity: number): Promise<SearchSetup> {
  const agent = (
    await s.ok(CreateAgentDocument, { input: { name, minComplexity: complexity, maxComplexity: complexity } })
  ).createAgent;
  const keyName = `AGENT-${name}`;
  const key = (await s.ok(CreateApiKeyDocument, { input: { name: keyName, role: "AGENT", agentId: agent.id } }))
    .createApiKey.key;
  const taskId = (await s.ok(CreateTaskDocument, { input: { title: `search for ${name}`, complexity } })).createTask.id;
  for (let i = 0; i < 300; i++) {
    const ws = (await s.ok(TaskDocument, { id: taskId })).task?.workspace;
    if (ws?.status === "READY") return { agentId: agent.id, key, keyName, taskId, workspaceId: ws.id };
    if (ws?.status === "FAILED") throw new Error(`the workspace of ${name}'s task failed`);
    await sleep(50);
  }
  throw new Error(`the workspace of ${name}'s task is not READY`);
}
