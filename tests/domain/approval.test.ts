import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentKey, domainKit, person } from "../helpers/domain.js";

type Kit = Awaited<ReturnType<typeof domainKit>>;

/** Approval of finished work, on the domain's SQLite stores: who may finish a task, and how. */
describe("approval", () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await domainKit();
  });
  afterEach(() => kit?.close());

  /** A task at REVIEW, worked on by a fresh agent (whose setting is `agentRequires`). */
  const atReview = async (agentRequires: boolean, taskRequires: boolean | null = null) => {
    const agent = await kit.services.agents.create({
      name: `agent-${Math.random().toString(36).slice(2)}`,
      requiresApproval: agentRequires,
    });
    const task = await kit.services.tasks.create({ title: "work", complexity: 1, requiresApproval: taskRequires });
    for (const s of ["BUILD", "TEST", "REVIEW"] as const) {
      await kit.services.tasks.updateStatus(task.id, s, null, agentKey(agent.id));
    }
    return { agent: agentKey(agent.id), agentId: agent.id, taskId: task.id };
  };

  it("completes an agent's task at once when nobody asked for approval", async () => {
    const { agent, taskId } = await atReview(false);
    expect(await kit.services.tasks.updateStatus(taskId, "COMPLETE", "done", agent)).toMatchObject({
      status: "COMPLETE",
      approvalRequestedAt: null,
    });
  });

  it("holds the agent's completion in REVIEW when its agent requires approval, until a person approves", async () => {
    const { agent, agentId, taskId } = await atReview(true);
    const waiting = await kit.services.tasks.updateStatus(taskId, "COMPLETE", "all tests pass", agent);
    expect(waiting.status).toBe("REVIEW");
    expect(waiting.approvalRequestedAt).toBeInstanceOf(Date);
    expect(waiting.summary).toBe("all tests pass");
    // The slot stays taken while the work waits.
    expect((await kit.services.agents.get(agentId))?.activeTasks).toBe(1);
    // The agent cannot approve its own work.
    await expect(kit.services.control.approve(taskId, null, agent)).resolves.toMatchObject({ status: "REVIEW" });
    const done = await kit.services.control.approve(taskId, "looks right", person("OPERATOR", "reviewer"));
    expect(done).toMatchObject({ status: "COMPLETE", approvalRequestedAt: null });
    expect((await kit.services.agents.get(agentId))?.activeTasks).toBe(0);
    const events = await kit.services.tasks.events(taskId, 0, 100);
    expect(events.map((e) => e.content)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Waiting for approval: all tests pass/)]),
    );
  });

  it("sends rejected work back to BUILD with the feedback waiting for the agent, and queues its run", async () => {
    const { agent, taskId } = await atReview(false, true);
    await kit.services.tasks.updateStatus(taskId, "COMPLETE", null, agent);
    await expect(kit.services.control.reject(taskId, "", person())).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    const back = await kit.services.control.reject(taskId, "the README is missing", person("OPERATOR", "reviewer"));
    expect(back).toMatchObject({ status: "BUILD", approvalRequestedAt: null });
    const messages = await kit.services.control.pendingMessages(taskId);
    expect(messages.map((m) => [m.author, m.text])).toEqual([
      ["reviewer", "Your work was reviewed and sent back to BUILD. Feedback: the README is missing"],
    ]);
    expect(kit.jobs.of("run-task")).toContain(taskId);
  });

  it("refuses approval and rejection of a task that does not wait for it, changing nothing", async () => {
    const { taskId } = await atReview(false, false);
    await expect(kit.services.control.approve(taskId, null, person())).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(kit.services.control.reject(taskId, "no", person())).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await kit.services.tasks.get(taskId))?.status).toBe("REVIEW");
    // The task's own setting wins over the agent's.
    const other = await atReview(true, false);
    expect(await kit.services.tasks.updateStatus(other.taskId, "COMPLETE", null, other.agent)).toMatchObject({
      status: "COMPLETE",
    });
  });
});
