import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentKey, domainKit, person } from "../helpers/domain.js";

type Kit = Awaited<ReturnType<typeof domainKit>>;

/** The assignment engine's rules, on its SQLite store: who gets which task, and when. */
describe("assignment", () => {
  let kit: Kit;
  // Each rule on an empty database of its own.
  beforeEach(async () => {
    kit = await domainKit();
  });
  afterEach(() => kit?.close());

  const agent = (name: string, o: { min?: number; max?: number; slots?: number } = {}) =>
    kit.services.agents.create({
      name,
      minComplexity: o.min ?? 1,
      maxComplexity: o.max ?? 10,
      maxConcurrentTasks: o.slots ?? 1,
    });
  const task = (title: string, complexity: number, priority?: number) =>
    kit.services.tasks.create({ title, complexity, priority });
  const status = async (id: string) => (await kit.services.tasks.get(id))?.status;

  it("gives a new task to the least recently active agent whose range fits, and queues its workspace", async () => {
    const small = await agent("a-small", { max: 3 });
    const big1 = await agent("a-big-1", { min: 4 });
    const big2 = await agent("a-big-2", { min: 4 });
    // Never active: the older agent first (by id), then the other.
    const t1 = await task("first big", 7);
    const t2 = await task("second big", 7);
    expect((await kit.services.tasks.get(t1.id))?.assignedAgentId).toBe(big1.id);
    expect((await kit.services.tasks.get(t2.id))?.assignedAgentId).toBe(big2.id);
    expect(await status(t1.id)).toBe("DESIGN");
    const t3 = await task("small", 2);
    expect((await kit.services.tasks.get(t3.id))?.assignedAgentId).toBe(small.id);
    expect(kit.jobs.of("create-workspace")).toEqual(expect.arrayContaining([t1.id, t2.id, t3.id]));
    // Every agent is at capacity (one slot each) and BUSY: the next task waits.
    expect((await kit.services.agents.get(big1.id))?.status).toBe("BUSY");
    const t4 = await task("waits", 8);
    expect(await status(t4.id)).toBe("PENDING");
    const ws = (await kit.services.workspaces.byTaskIds([t1.id])).get(t1.id);
    expect(ws).toMatchObject({
      agentId: big1.id,
      status: "CREATING",
      path: `/var/empty/workspaces/${big1.id}/tasks/${t1.id}`,
    });

    // big1 finishes: its slot goes to the waiting task at once.
    for (const s of ["BUILD", "TEST", "REVIEW", "COMPLETE"] as const) {
      await kit.services.tasks.updateStatus(t1.id, s, null, agentKey(big1.id));
    }
    expect((await kit.services.tasks.get(t4.id))?.assignedAgentId).toBe(big1.id);
    expect((await kit.services.agents.get(big1.id))?.activeTasks).toBe(1);
  });

  it("hands waiting tasks to a new agent by priority, then age, up to its capacity", async () => {
    const low = await task("low", 5, 10);
    const highOld = await task("high, older", 5, 90);
    const highNew = await task("high, newer", 5, 90);
    const other = await task("out of range", 9, 100);
    const taker = await agent("b-taker", { min: 5, max: 5, slots: 2 });
    expect((await kit.services.tasks.get(highOld.id))?.assignedAgentId).toBe(taker.id);
    expect((await kit.services.tasks.get(highNew.id))?.assignedAgentId).toBe(taker.id);
    expect(await status(low.id)).toBe("PENDING");
    expect(await status(other.id)).not.toBe("DESIGN");
    expect(await kit.services.agents.get(taker.id)).toMatchObject({ activeTasks: 2, status: "BUSY" });
  });

  it("lets operators move work between agents, with the checks of automatic assignment", async () => {
    const from = await agent("c-from", { min: 6, max: 6 });
    const to = await agent("c-to", { min: 6, max: 6 });
    const narrow = await agent("c-narrow", { min: 1, max: 1 });
    const t = await task("moved", 6);
    const held = (await kit.services.tasks.get(t.id))?.assignedAgentId;
    const other = held === from.id ? to : from;
    const ops = person();
    await expect(kit.services.assignment.assign(t.id, held as string, ops)).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(kit.services.assignment.assign(t.id, narrow.id, ops)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    const moved = await kit.services.assignment.assign(t.id, other.id, ops);
    expect(moved).toMatchObject({ assignedAgentId: other.id, status: "DESIGN" });
    expect((await kit.services.agents.get(held as string))?.activeTasks).toBe(0);
    const events = await kit.services.tasks.events(t.id, 0, 100);
    expect(events.map((e) => e.content)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Task taken from agent c-\w+ by ops to reassign it$/)]),
    );
    // A finished task is no one's to move.
    await kit.services.tasks.cancel(t.id, ops);
    await expect(kit.services.assignment.unassign(t.id, ops)).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
  });

  it("takes the tasks of an agent gone silent back to the queue and gives them to another", async () => {
    const silent = await agent("d-silent", { min: 8, max: 8 });
    const t = await task("orphaned", 8);
    expect((await kit.services.tasks.get(t.id))?.assignedAgentId).toBe(silent.id);
    const heir = await agent("d-heir", { min: 8, max: 8 });
    // Ten minutes on, only the heir has given a sign of life: a five-minute timeout catches the other.
    kit.advance(10 * 60_000);
    await kit.services.assignment.heartbeat(heir.id, agentKey(heir.id));
    const offline = await kit.services.assignment.sweepSilentAgents(5 * 60_000);
    expect(offline).toEqual([silent.id]);
    expect((await kit.services.agents.get(silent.id))?.status).toBe("OFFLINE");
    expect((await kit.services.tasks.get(t.id))?.assignedAgentId).toBe(heir.id);
    // A heartbeat brings it back, AVAILABLE and with no slot taken.
    await kit.services.assignment.heartbeat(silent.id, agentKey(silent.id));
    expect(await kit.services.agents.get(silent.id)).toMatchObject({ status: "AVAILABLE", activeTasks: 0 });
  });
});
