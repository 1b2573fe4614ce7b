import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../../src/domain/ids.js";
import { ModelCallRecord } from "../../../src/domain/records.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlUsageStore } from "../../../src/infra/db/stores/usage.store.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { fixtures, storeDatabase } from "../../helpers/store-db.js";

describeProfiles("UsageStore", (profile) => {
  let db: Database;
  let close: () => Promise<void>;
  let store: SqlUsageStore;

  beforeAll(async () => {
    ({ db, close } = await storeDatabase(profile));
    store = new SqlUsageStore(db);
  });
  afterAll(() => close?.());

  const call = (o: Partial<ModelCallRecord>): ModelCallRecord =>
    Object.assign(new ModelCallRecord(), {
      id: newId(),
      taskId: null,
      agentId: null,
      model: "openai/gpt-4o",
      provider: null,
      attempt: 1,
      outcome: "SUCCESS",
      errorKind: null,
      promptTokens: 10,
      completionTokens: 5,
      cachedTokens: 2,
      reasoningTokens: 1,
      costUsd: 0.25,
      latencyMs: 100,
      createdAt: new Date("2026-03-01T10:00:00Z"),
      ...o,
    });

  it("sums a task's and an agent's calls, groups a range by model, agent, task and UTC day, and reads a budget", async () => {
    const agent = await fixtures.agent(db, { name: "summed" });
    const task = await fixtures.task(db, { title: "counted", maxCostUsd: 2, maxTokens: null });
    await store.insert(call({ taskId: task.id, agentId: agent.id }));
    await store.insert(
      call({
        taskId: task.id,
        agentId: agent.id,
        model: "anthropic/claude",
        createdAt: new Date("2026-03-02T23:59:59Z"),
      }),
    );
    await store.insert(call({ taskId: null, agentId: null, createdAt: new Date("2026-04-01T00:00:00Z") }));
    expect(await store.sums({ taskId: task.id })).toEqual({
      calls: 2,
      promptTokens: 20,
      completionTokens: 10,
      cachedTokens: 4,
      reasoningTokens: 2,
      totalTokens: 30,
      costUsd: 0.5,
    });
    expect((await store.sums({ agentId: agent.id })).calls).toBe(2);
    expect((await store.sums({ taskId: newId() })).calls).toBe(0);
    const from = new Date("2026-03-01T00:00:00Z");
    const to = new Date("2026-03-03T00:00:00Z");
    expect((await store.report(from, to, "MODEL")).map((r) => [r.key, r.calls])).toEqual([
      ["anthropic/claude", 1],
      ["openai/gpt-4o", 1],
    ]);
    expect(await store.report(from, to, "AGENT")).toMatchObject([{ key: agent.id, label: "summed", calls: 2 }]);
    expect(await store.report(from, to, "TASK")).toMatchObject([{ key: task.id, label: "counted", costUsd: 0.5 }]);
    expect((await store.report(from, to, "DAY")).map((r) => r.key)).toEqual(["2026-03-01", "2026-03-02"]);
    expect(await store.budgetOf(task.id)).toMatchObject({ id: task.id, maxCostUsd: 2, maxTokens: null });
    expect(await store.budgetOf(newId())).toBeNull();
  });
});
