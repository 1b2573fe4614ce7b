import { describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import type { Deps } from "../../src/domain/shared/deps.js";
import { UsageService } from "../../src/domain/usage/usage.service.js";
import { MemoryUsageStore } from "../helpers/memory-stores.js";

/** The budget rules, against the usage store in memory: no database, no server. */
describe("budgets", () => {
  const setup = (budget: { maxCostUsd: number | null; maxTokens: number | null }) => {
    const store = new MemoryUsageStore();
    const taskId = newId();
    store.budgets.set(taskId, { id: taskId, ...budget });
    const usage = new UsageService({ now: () => new Date() } as unknown as Deps, store);
    const call = (costUsd: number, tokens: number) =>
      usage.record({
        taskId,
        agentId: null,
        model: "openai/gpt-4o",
        attempt: 1,
        outcome: "SUCCESS",
        latencyMs: 10,
        usage: { promptTokens: tokens, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd },
      });
    return { usage, taskId, call };
  };

  it("lets a task without limits call on", async () => {
    const { usage, taskId, call } = setup({ maxCostUsd: null, maxTokens: null });
    await call(100, 1_000_000);
    expect(await usage.checkBudget(taskId)).toEqual({ ok: true });
  });

  it("stops a task once its spending reaches the cost limit (it overspends by at most the last call)", async () => {
    const { usage, taskId, call } = setup({ maxCostUsd: 0.1, maxTokens: null });
    await call(0.06, 10);
    expect((await usage.checkBudget(taskId)).ok).toBe(true);
    await call(0.06, 10);
    const check = await usage.checkBudget(taskId);
    expect(check).toMatchObject({ ok: false, maxCostUsd: 0.1, spentTokens: 20 });
    expect(check.ok === false && check.reason).toMatch(/^Cost budget spent: \$0\.1200 of \$0\.1$/);
  });

  it("stops a task at its token limit, and refuses a task it does not know", async () => {
    const { usage, taskId, call } = setup({ maxCostUsd: null, maxTokens: 100 });
    await call(0, 99);
    expect((await usage.checkBudget(taskId)).ok).toBe(true);
    await call(0, 1);
    expect(await usage.checkBudget(taskId)).toMatchObject({
      ok: false,
      reason: "Token budget spent: 100 of 100 tokens",
    });
    await expect(usage.checkBudget(newId())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses a negative cost and a bad report range before the store is asked", async () => {
    const { usage, taskId } = setup({ maxCostUsd: null, maxTokens: null });
    await expect(
      usage.record({
        taskId,
        agentId: null,
        model: "m/x",
        attempt: 1,
        outcome: "SUCCESS",
        latencyMs: 1,
        usage: { promptTokens: 1, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd: -1 },
      }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "costUsd" } });
    const now = new Date();
    await expect(usage.report(now, now, "MODEL")).rejects.toMatchObject({ details: { field: "to" } });
  });
});
