/** A test server whose builtin agents run on the model runtime against a fake OpenRouter. */
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { RuntimeTaskDocument, type RuntimeTaskQuery } from "../generated/graphql.js";
import { startFakeOpenRouter, type FakeOpenRouter } from "./fake-openrouter.js";
import { startTestServer, type StartOptions, type TestServer } from "./server.js";

export type TaskView = NonNullable<RuntimeTaskQuery["task"]>;
export type EventView = TaskView["events"][number];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const statusTargets = (events: EventView[]) =>
  events.filter((e) => e.type === "STATUS_CHANGE").map((e) => (e.data as { to?: string } | null)?.to);

export async function startRuntimeServer(
  profile: "sqlite" | "postgres",
  fake: FakeOpenRouter,
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<TestServer> {
  return startTestServer(profile, {
    ...opts,
    workers: 2,
    sweepIntervalMs: 300,
    modelRuntime: { backoffBaseMs: 5, streamFlushMs: 20 },
    env: {
      OPENROUTER_BASE_URL: fake.url,
      OPENROUTER_API_KEY: "sk-or-test-key-0123456789",
      MODEL_DEFAULT: "m1",
      MODEL_RETRIES: "1",
      ...env,
    },
  });
}

/**
 * A suite's fake OpenRouter and runtime server, started before its tests and stopped after;
 * after each test, every scripted turn must have been used.
 */
export function runtimeSuite(
  profile: "sqlite" | "postgres",
  env: Record<string, string> = {},
  opts: StartOptions = {},
): { readonly s: TestServer; readonly fake: FakeOpenRouter } {
  let fake: FakeOpenRouter | undefined;
  let s: TestServer | undefined;
  beforeAll(async () => {
    fake = await startFakeOpenRouter();
    s = await startRuntimeServer(profile, fake, env, opts);
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });
  afterEach(() => {
    expect(fake?.pending(), "every scripted turn was used").toBe(0);
  });
  return {
    get s() {
      if (!s) throw new Error("the runtime server is not started");
      return s;
    },
    get fake() {
      if (!fake) throw new Error("the fake OpenRouter is not started");
      return fake;
    },
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Reads the task until `done` says so. */
export async function until(s: TestServer, id: string, done: (t: TaskView) => boolean, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  let last: TaskView | null | undefined;
  while (Date.now() < end) {
    last = (await s.ok(RuntimeTaskDocument, { id })).task;
    if (last && done(last)) return last;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
}
