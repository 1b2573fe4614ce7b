import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import {
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  RuntimeTaskDocument,
  TaskTreeDocument,
  TreeTaskDocument,
} from "../generated/graphql.js";
import type { RecordedRequest, Turn } from "../helpers/fake-openrouter.js";
import { callTurn, TURN_COST, type Call } from "../helpers/model-turns.js";
import { untilValue } from "../helpers/process.js";
import { describeProfiles } from "../helpers/profiles.js";
import { runtimeSuite, until } from "../helpers/runtime.js";

type Message = { role: string; content: string | null };
const messagesOf = (req: RecordedRequest) => (req.body.messages ?? []) as Message[];
/** The JSON results of the tool calls in a request's conversation. */
const toolResults = (req: RecordedRequest) =>
  messagesOf(req)
    .filter((m) => m.role === "tool")
    .map((m) => {
      try {
        return JSON.parse(m.content ?? "") as Record<string, unknown>;
      } catch {
        return {};
      }
    });
/** The child task ids delegateTask returned so far in a request's conversation. */
const childIds = (req: RecordedRequest) =>
  toolResults(req)
    .map((r) => r.taskId)
    .filter((id): id is string => typeof id === "string");
/** A turn whose tool calls are made from the request it answers (ids the model learnt from its tools). */
const lazyTurn = (make: (req: RecordedRequest) => Call[]): Turn => ({
  type: "json",
  body: (req: RecordedRequest) => (callTurn(make(req), { stream: false }) as { body: unknown }).body,
});
const finish = (summary: string): Call[] => [
  ["set_phase", { phase: "BUILD" }],
  ["set_phase", { phase: "TEST" }],
  ["set_phase", { phase: "REVIEW" }],
  ["complete_task", { summary }],
];

/** Delegation with builtin agents on the model runtime, against the stand-in OpenRouter. */
describeProfiles("delegation at run time", (profile) => {
  // workers: 2 run-task slots per process (startRuntimeServer).
  const suite = runtimeSuite(profile);
  let n = 0;
  const agent = async (model: string, complexity: number, extra: Record<string, unknown> = {}) =>
    (
      await suite.s.ok(CreateRuntimeAgentDocument, {
        input: {
          name: `${model}-${++n}-${profile}`,
          kind: "BUILTIN",
          model,
          minComplexity: complexity,
          maxComplexity: complexity,
          ...extra,
        },
      })
    ).createAgent;
  const createTask = async (title: string, complexity: number, extra: Record<string, unknown> = {}) =>
    (
      await suite.s.ok(CreateRuntimeTaskDocument, {
        input: { title, description: `Lead: ${title}`, complexity, ...extra },
      })
    ).createTask;

  it("a lead delegates to two agents writing into its workspace at once, parks, and completes with their results", async () => {
    const { s, fake } = suite;
    const w1 = await agent("w1", 2);
    const w2 = await agent("w2", 2);
    await agent("lead", 1);
    const part = (name: string, worker: string): Call => [
      "delegateTask",
      {
        title: `Write part ${name}`,
        description: `Write parts/${name}.txt`,
        complexity: 2,
        sharedWorkspace: { subfolder: "parts" },
        agentHint: worker,
      },
    ];
    let resumed: RecordedRequest | undefined;
    fake.scriptModel(
      "lead",
      callTurn([part("a", w1.name), part("b", w2.name)]),
      lazyTurn((req) => [["waitForTasks", { ids: childIds(req), timeoutSeconds: 600 }]]),
      lazyTurn((req) => {
        resumed = req;
        return [["readFile", { path: "parts/a.txt" }], ...finish("parts a and b are written")];
      }),
    );
    // The workers answer after a pause: the lead parks before they finish.
    for (const [model, name] of [
      ["w1", "a"],
      ["w2", "b"],
    ] as const) {
      fake.scriptModel(
        model,
        callTurn(
          [
            ["writeFile", { path: `parts/${name}.txt`, content: `part ${name}\n` }],
            // Each agent's command in its own sandbox, in the one workspace.
            ["runCommand", { program: "python3", args: ["-c", `open('parts/${name}.py.txt', 'w').write('${name}')`] }],
            ...finish(`wrote parts/${name}.txt`),
          ],
          { stream: false, delayMs: 600 },
        ),
      );
    }
    const lead = await createTask("assemble the parts", 1);
    const done = await until(s, lead.id, (t) => t.status === "COMPLETE", "the lead COMPLETE", 25_000);
    expect(done.summary).toBe("parts a and b are written");

    // It parked (no worker held) and resumed with each child's outcome in its conversation.
    expect(done.events.some((e) => /^Waiting for 2 child task\(s\)/.test(e.content))).toBe(true);
    const said = messagesOf(resumed!)
      .filter((m) => m.role === "user")
      .map((m) => m.content ?? "");
    expect(said.filter((m) => /Child task "Write part (a|b)" \(.+\) ended COMPLETE/.test(m))).toHaveLength(2);
    expect(said.join("\n")).toContain("Summary: wrote parts/a.txt");
    expect(said.join("\n")).toContain("Summary: wrote parts/b.txt");

    // Both children wrote into the lead's workspace, each with its own agent.
    const root = done.workspace!.path;
    expect(readFileSync(join(root, "parts", "a.txt"), "utf8")).toBe("part a\n");
    expect(readFileSync(join(root, "parts", "b.txt"), "utf8")).toBe("part b\n");
    expect(readFileSync(join(root, "parts", "a.py.txt"), "utf8")).toBe("a");
    expect(readFileSync(join(root, "parts", "b.py.txt"), "utf8")).toBe("b");
    const tree = (await s.ok(TaskTreeDocument, { rootId: lead.id })).taskTree!;
    expect(tree.progress).toEqual({ percent: 100, childrenDone: 2, childrenTotal: 2 });
    const children = await Promise.all(tree.children.map((c) => s.ok(TreeTaskDocument, { id: c.task.id })));
    expect(children.map((c) => c.task!.assignedAgent!.name).sort()).toEqual([w1.name, w2.name].sort());
    expect(children.every((c) => c.task!.workspace!.path === root && c.task!.sharedFolder === "parts")).toBe(true);
    // The lead's README lists its children with their status (written a moment after the change).
    await untilValue("the README's children", async () => {
      const readme = readFileSync(join(root, "README.md"), "utf8");
      return (readme.match(/- \*\*COMPLETE\*\* Write part/g) ?? []).length === 2;
    });
  });

  it("more parked parents than worker slots: all of them and their children finish", async () => {
    const { s, fake } = suite;
    await agent("lead-many", 3, { maxConcurrentTasks: 3 });
    await agent("worker-many", 4, { maxConcurrentTasks: 3 });
    // One lead turn for any lead: delegate, then wait, then finish, as its conversation says.
    const leadTurn = lazyTurn((req): Call[] => {
      const ids = childIds(req);
      if (ids.length === 0) return [["delegateTask", { title: "a part", description: "do a part", complexity: 4 }]];
      if (!toolResults(req).some((r) => "parked" in r)) return [["waitForTasks", { ids }]];
      return finish("the part is done");
    });
    fake.scriptModel("lead-many", ...Array.from({ length: 9 }, () => leadTurn));
    fake.scriptModel(
      "worker-many",
      ...Array.from({ length: 3 }, () => callTurn(finish("did a part"), { stream: false, delayMs: 400 })),
    );
    const leads = await Promise.all([1, 2, 3].map((i) => createTask(`lead ${i}`, 3)));
    for (const lead of leads) {
      const done = await until(s, lead.id, (t) => t.status === "COMPLETE", `lead ${lead.id}`, 40_000);
      expect(done.summary).toBe("the part is done");
    }
    const trees = await Promise.all(leads.map((l) => s.ok(TaskTreeDocument, { rootId: l.id })));
    expect(trees.map((t) => t.taskTree!.children.map((c) => c.task.status))).toEqual([
      ["COMPLETE"],
      ["COMPLETE"],
      ["COMPLETE"],
    ]);
    // Parents waited while holding no slot: with 2 slots, 3 parents waiting in their runs would
    // have left no slot for any child.
    const parked = await Promise.all(leads.map((l) => s.ok(RuntimeTaskDocument, { id: l.id })));
    expect(
      parked.filter((p) => p.task!.events.some((e) => e.content.startsWith("Waiting for 1 child"))).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("the model sees budget and cycle refusals; a child stops at its share of the root's budget", async () => {
    const { s, fake } = suite;
    await agent("lead-budget", 5);
    await agent("worker-budget", 6);
    const title = "write the budget report";
    fake.scriptModel(
      "lead-budget",
      callTurn([
        ["delegateTask", { title: "too big", complexity: 6, budget: { costUsd: 10 * TURN_COST } }],
        [
          "delegateTask",
          { title: "a small part", description: "one file", complexity: 6, budget: { costUsd: TURN_COST } },
        ],
      ]),
      lazyTurn(() => [["fail_task", { reason: "stopping here" }]]),
    );
    // The child tries to hand the lead's own work back; then writes, and its share is spent.
    fake.scriptModel(
      "worker-budget",
      callTurn([
        ["delegateTask", { title: title.toUpperCase(), description: `Lead: ${title}.`, complexity: 6 }],
        ["writeFile", { path: "x.txt", content: "x" }],
      ]),
    );
    const lead = await createTask(title, 5, { maxCostUsd: 3 * TURN_COST });
    const failed = await until(s, lead.id, (t) => t.status === "FAILED", "the lead FAILED");
    const outputs = failed.events.filter((e) => e.type === "TOOL_OUTPUT").map((e) => e.content);
    expect(outputs[0]).toContain('"code":"LIMIT_EXCEEDED"');
    expect(outputs[0]).toMatch(/budget left to share is \$/);
    expect(failed.maxCostUsd).toBeCloseTo(2 * TURN_COST, 10);

    const tree = (await s.ok(TaskTreeDocument, { rootId: lead.id })).taskTree!;
    expect(tree.children).toHaveLength(1);
    const childId = tree.children[0]!.task.id;
    const child = await until(s, childId, (t) => t.pausedAt !== null, "the child paused by its budget");
    expect(child.pauseReason).toMatch(/^Cost budget spent/);
    expect(child.maxCostUsd).toBeCloseTo(TURN_COST, 10);
    expect(child.usage.calls).toBe(1);
    const refused = child.events.find(
      (e) => e.type === "TOOL_OUTPUT" && (e.data as { tool?: string }).tool === "delegateTask",
    );
    expect(refused?.content).toContain('"code":"CONFLICT"');
    expect(refused?.content).toContain(lead.id);
    expect(existsSync(join(child.workspace!.path, "x.txt"))).toBe(true);
  });
});
