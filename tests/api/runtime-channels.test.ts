import { expect, it } from "vitest";
import {
  CancelCommandDocument,
  ChannelMessagesDocument,
  CommandRunsDocument,
  CreateRuntimeAgentDocument,
  CreateRuntimeTaskDocument,
  PostMessageDocument,
  RuntimeTaskDocument,
} from "../generated/graphql.js";
import { callTurn, conversationOf } from "../helpers/model-turns.js";
import { untilValue } from "../helpers/process.js";
import { describeProfiles } from "../helpers/profiles.js";
import { runtimeSuite, until, waitFor } from "../helpers/runtime.js";

describeProfiles("channels with running agents", (profile) => {
  const suite = runtimeSuite(profile);
  let n = 0;

  it("an agent's sendMessage mentioning another agent reaches that agent's conversation at its next step", async () => {
    const { s, fake } = suite;
    n++;
    const reader = `reader-${n}`;
    const writer = `writer-${n}`;
    const readerModel = `test/reader-${n}`;
    const writerModel = `test/writer-${n}`;
    const agent = (name: string, model: string, c: number) =>
      s.ok(CreateRuntimeAgentDocument, {
        input: { name, kind: "BUILTIN", model, minComplexity: c, maxComplexity: c },
      });
    await agent(reader, readerModel, 1);
    await agent(writer, writerModel, 2);
    const readerTurns = () => fake.requests.filter((r) => r.body.model === readerModel);

    // The reader is busy with a long command when the message arrives.
    fake.scriptModel(readerModel, callTurn([["runCommand", { program: "sleep", args: ["60"] }]]));
    const readerTask = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "read", complexity: 1 } })).createTask;
    const run = await untilValue("the reader's command", async () => {
      const runs = (await s.ok(CommandRunsDocument, { taskId: readerTask.id })).commandRuns;
      return runs[0]?.status === "RUNNING" ? runs[0] : null;
    });

    fake.scriptModel(
      writerModel,
      callTurn([["sendMessage", { text: `@${reader} the schema is ready` }]]),
      callTurn([["fail_task", { reason: "told the reader" }]]),
    );
    const writerTask = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "write", complexity: 2 } })).createTask;
    await until(s, writerTask.id, (t) => t.status === "FAILED", "the writer to finish");
    const [posted] = (await s.ok(ChannelMessagesDocument, { channelId: writerTask.id })).channelMessages;
    expect(posted).toMatchObject({ seq: 1, text: `@${reader} the schema is ready` });
    expect(posted!.author.name).toBe(writer);
    expect(posted!.mentions.map((m) => m.name)).toEqual([reader]);
    const waiting = (await s.ok(RuntimeTaskDocument, { id: readerTask.id })).task!.pendingMessages;
    expect(waiting.map((m) => m.text)).toEqual([`@${reader} the schema is ready`]);

    // The reader's next step (its command stopped) has the message in its conversation.
    fake.scriptModel(readerModel, callTurn([["fail_task", { reason: "read it" }]]));
    await s.ok(CancelCommandDocument, { runId: run.id });
    await waitFor(() => readerTurns().length >= 2, "the reader's next model call");
    const users = conversationOf(readerTurns()[1]!.body).messages.filter((m) => m.role === "user");
    expect(users.at(-1)?.content).toBe(
      `Message from ${writer} in #task-${writerTask.id}: @${reader} the schema is ready`,
    );
    const done = await until(s, readerTask.id, (t) => t.status === "FAILED", "the reader to finish");
    expect(done.pendingMessages).toEqual([]);
  });

  it("a person's message in a running task's channel reaches its conversation like sendTaskMessage", async () => {
    const { s, fake } = suite;
    n++;
    const model = `test/solo-${n}`;
    await s.ok(CreateRuntimeAgentDocument, {
      input: { name: `solo-${n}`, kind: "BUILTIN", model, minComplexity: 3, maxComplexity: 3 },
    });
    fake.scriptModel(model, callTurn([["runCommand", { program: "sleep", args: ["60"] }]]));
    const task = (await s.ok(CreateRuntimeTaskDocument, { input: { title: "solo", complexity: 3 } })).createTask;
    const run = await untilValue("the command", async () => {
      const runs = (await s.ok(CommandRunsDocument, { taskId: task.id })).commandRuns;
      return runs[0]?.status === "RUNNING" ? runs[0] : null;
    });
    await s.ok(PostMessageDocument, { channelId: `task-${task.id}`, text: "Use the staging database" });
    fake.scriptModel(model, callTurn([["fail_task", { reason: "heard" }]]));
    await s.ok(CancelCommandDocument, { runId: run.id });
    await waitFor(() => fake.requests.filter((r) => r.body.model === model).length >= 2, "the next model call");
    const second = fake.requests.filter((r) => r.body.model === model)[1]!;
    const users = conversationOf(second.body).messages.filter((m) => m.role === "user");
    expect(users.at(-1)?.content).toBe("Message from bootstrap admin in the task's channel: Use the staging database");
    const done = await until(s, task.id, (t) => t.status === "FAILED", "the task to end");
    expect(done.events.some((e) => e.type === "MESSAGE" && e.content === "Use the staging database")).toBe(true);
  });
});
