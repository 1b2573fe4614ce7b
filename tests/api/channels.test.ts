import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ChannelByRefDocument,
  ChannelMessagesDocument,
  ChannelMessagesLiveDocument,
  ChannelNodeDocument,
  ChannelsDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateChannelDocument,
  CreateTaskDocument,
  TaskDocument,
  NotificationAddedDocument,
  NotificationsDocument,
  PostMessageDocument,
  ReadChannelMessagesToolDocument,
  RuntimeTaskDocument,
  SendChannelMessageToolDocument,
  SubscribeNotificationsDocument,
  TaskChannelDocument,
  type ChannelMessagesLiveSubscription,
  type Role,
} from "../generated/graphql.js";
import { untilValue } from "../helpers/process.js";
import { describeProfiles } from "../helpers/profiles.js";
import { collect, startTestServer, type TestServer } from "../helpers/server.js";

const seqs = (items: ChannelMessagesLiveSubscription[]) => items.map((i) => i.channelMessages.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeProfiles("channels", (profile) => {
  let s: TestServer;
  const agents = { lead: "", helper: "", stranger: "" };
  const keys = { lead: "", helper: "", stranger: "", viewer: "", member: "", memberId: "" };
  let root: { id: string; workspace?: { id: string } | null };
  let child: { id: string };

  const key = async (name: string, role: Role, agentId?: string) =>
    (await s.ok(CreateApiKeyDocument, { input: { name, role, ...(agentId ? { agentId } : {}) } })).createApiKey;
  const post = (channelId: string, text: string, k?: string, extra: { replyTo?: string; mentions?: string[] } = {}) =>
    s.gql(PostMessageDocument, { channelId, text, ...extra }, k);
  const codeOf = (r: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) =>
    r.errors?.[0]?.extensions?.code;
  const fieldsOf = (r: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) =>
    (r.errors?.[0]?.extensions?.fields as Array<{ path: string }> | undefined)?.map((f) => f.path).sort();

  beforeAll(async () => {
    s = await startTestServer(profile);
    const agent = async (name: string, min: number, max: number) =>
      (await s.ok(CreateAgentDocument, { input: { name, minComplexity: min, maxComplexity: max } })).createAgent.id;
    agents.lead = await agent("lead", 1, 3);
    agents.helper = await agent("helper", 4, 6);
    agents.stranger = await agent("stranger", 7, 9);
    keys.lead = (await key("lead-key", "AGENT", agents.lead)).key;
    keys.helper = (await key("helper-key", "AGENT", agents.helper)).key;
    keys.stranger = (await key("stranger-key", "AGENT", agents.stranger)).key;
    keys.viewer = (await key("viewer", "VIEWER")).key;
    const member = await key("mia", "VIEWER");
    keys.member = member.key;
    keys.memberId = member.apiKey.id;
    root = (await s.ok(CreateTaskDocument, { input: { title: "root work", complexity: 2 } })).createTask;
    child = (await s.ok(CreateTaskDocument, { input: { title: "sub work", complexity: 5, parentId: root.id } }))
      .createTask;
  });
  afterAll(() => s?.stop());

  it("makes a channel with each task, found by the task, its id and its name", async () => {
    const ch = (await s.ok(TaskChannelDocument, { id: root.id })).task!.channel!;
    expect(ch).toMatchObject({ kind: "TASK", name: `task-${root.id}`, taskId: root.id, messageSeq: 0, members: [] });
    expect(ch.description).toBe("root work");
    expect((await s.ok(ChannelByRefDocument, { id: ch.name })).channel?.id).toBe(ch.id);
    expect((await s.ok(ChannelByRefDocument, { id: root.id })).channel?.id).toBe(ch.id);
    const listed = (await s.ok(ChannelsDocument, { filter: { taskId: root.id } })).channels;
    expect(listed.totalCount).toBe(1);
    expect(listed.edges[0]!.node.id).toBe(ch.id);
  });

  it("numbers messages per channel; channelMessages pages by seq, oldest first", async () => {
    const ch = `task-${child.id}`;
    for (let i = 1; i <= 5; i++) expect((await post(ch, `m${i}`)).data?.postMessage.seq).toBe(i);
    const all = (await s.ok(ChannelMessagesDocument, { channelId: ch })).channelMessages;
    expect(all.map((m) => [m.seq, m.text])).toEqual(range(1, 5).map((i) => [i, `m${i}`]));
    expect(all[0]!.author).toEqual({ name: "bootstrap admin", agentId: null, apiKeyId: expect.any(String) });
    const page = (await s.ok(ChannelMessagesDocument, { channelId: ch, after: 2, first: 2 })).channelMessages;
    expect(page.map((m) => m.seq)).toEqual([3, 4]);
    const reply = (await post(ch, "answer", undefined, { replyTo: all[1]!.id })).data!.postMessage;
    expect(reply.replyToId).toBe(all[1]!.id);
  });

  it("the subscription replays after afterSeq, then goes live with no gap and no duplicate", async () => {
    const ch = (await s.ok(CreateChannelDocument, { input: { name: `replay-${profile}`, description: "order" } }))
      .createChannel.id;
    for (let i = 1; i <= 4; i++) await post(ch, `before ${i}`);
    const live = collect(s.ws(), ChannelMessagesLiveDocument, { channelId: ch, afterSeq: 2 });
    // Posts race the replay: concurrent writers, some while the subscriber reads the stored ones.
    await Promise.all(range(5, 24).map((i) => post(ch, `during ${i}`)));
    await live.waitFor(22);
    expect(seqs(live.items)).toEqual(range(3, 24));
    const texts = live.items.map((i) => i.channelMessages.text);
    expect(new Set(texts).size).toBe(22);
    live.stop();
  });

  it("access: task channels follow the task and its tree; named channels their members", async () => {
    const rootCh = `task-${root.id}`;
    // The lead works on the root, the helper on its child: both use the tree's channels.
    expect((await post(rootCh, "lead here", keys.lead)).data?.postMessage.author.agentId).toBe(agents.lead);
    expect((await post(rootCh, "helper here", keys.helper)).data?.postMessage.author.agentId).toBe(agents.helper);
    expect((await post(`task-${child.id}`, "lead in the child", keys.lead)).errors).toBeUndefined();
    expect(codeOf(await post(rootCh, "let me in", keys.stranger))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(ChannelMessagesDocument, { channelId: rootCh }, keys.stranger))).toBe("FORBIDDEN");
    expect((await s.ok(ChannelByRefDocument, { id: rootCh }, keys.stranger)).channel).toBeNull();
    // A VIEWER reads a task channel but does not post in it.
    expect((await s.ok(ChannelMessagesDocument, { channelId: rootCh }, keys.viewer)).channelMessages.length).toBe(2);
    expect(codeOf(await post(rootCh, "viewer", keys.viewer))).toBe("FORBIDDEN");

    const named = (
      await s.ok(
        CreateChannelDocument,
        { input: { name: `crew-${profile}`, members: [agents.helper, keys.memberId] } },
        keys.lead,
      )
    ).createChannel;
    expect(named.members.map((m) => m.name).sort()).toEqual(["helper", "lead", "mia"]);
    expect((await post(named.name, "hi crew", keys.member)).errors).toBeUndefined();
    expect((await post(named.id, "hi mia", keys.helper)).errors).toBeUndefined();
    expect((await post(named.id, "and me", undefined)).errors).toBeUndefined(); // ADMIN
    expect(codeOf(await post(named.id, "me too", keys.viewer))).toBe("FORBIDDEN");
    expect(codeOf(await post(named.id, "me too", keys.stranger))).toBe("FORBIDDEN");
    const seenBy = async (k: string) =>
      (await s.ok(ChannelsDocument, { first: 100, filter: { kind: "NAMED" } }, k)).channels.edges.map((e) => e.node.id);
    expect(await seenBy(keys.member)).toContain(named.id);
    expect(await seenBy(keys.viewer)).not.toContain(named.id);
    expect(await seenBy(keys.stranger)).not.toContain(named.id);
    // A list's members come in one batch per request, each channel with its own.
    const listed = (await s.ok(ChannelsDocument, { first: 100, filter: { kind: "NAMED" } })).channels.edges;
    const crew = listed.find((e) => e.node.id === named.id)!.node;
    expect(crew.members.map((m) => m.name).sort()).toEqual(["helper", "lead", "mia"]);
    for (const e of listed) if (e.node.id !== named.id) expect(e.node.members.map((m) => m.name)).not.toContain("mia");
    // node(id) shows a channel and its messages to those who may read it, to nobody else.
    const msg = (await s.ok(ChannelMessagesDocument, { channelId: named.id })).channelMessages[0]!;
    const node = async (id: string, k?: string) => (await s.ok(ChannelNodeDocument, { id }, k)).node;
    expect(await node(named.id, keys.member)).toMatchObject({ __typename: "Channel", name: named.name });
    expect(await node(msg.id, keys.helper)).toMatchObject({ __typename: "ChannelMessage", seq: 1, text: "hi crew" });
    expect(await node(named.id, keys.viewer)).toBeNull();
    expect(await node(msg.id, keys.stranger)).toBeNull();
    const viewerCreates = await s.gql(CreateChannelDocument, { input: { name: "nope" } }, keys.viewer);
    expect(codeOf(viewerCreates)).toBe("FORBIDDEN");
    const live = collect(s.ws(keys.stranger), ChannelMessagesLiveDocument, { channelId: named.id });
    await live.ended;
    expect(JSON.stringify(live.errors)).toContain("FORBIDDEN");
  });

  it("limits one author to channelLimits.messagesPerMinute messages a minute in one channel; others go on", async () => {
    const chatty = (await s.ok(CreateChannelDocument, { input: { name: `chatty-${profile}`, members: [agents.lead] } }))
      .createChannel.id;
    for (let i = 1; i <= 30; i++) expect((await post(chatty, `note ${i}`)).errors).toBeUndefined();
    const over = await post(chatty, "one too many");
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", field: "text", max: 30 });
    expect((await post(chatty, "another author", keys.lead)).errors).toBeUndefined();
    const seqs = (await s.ok(ChannelMessagesDocument, { channelId: chatty, first: 100 })).channelMessages;
    expect(seqs.map((m) => m.text).filter((t) => t === "one too many")).toEqual([]);
    expect(seqs).toHaveLength(31);
  });

  it("refuses hostile input with typed errors naming the fields, and writes nothing", async () => {
    const ch = `task-${child.id}`;
    const before = (await s.ok(TaskChannelDocument, { id: child.id })).task!.channel!.messageSeq;
    expect(fieldsOf(await post(ch, "bell \u0007 ring"))).toEqual(["text"]);
    expect(fieldsOf(await post(ch, "x".repeat(10_001)))).toEqual(["text"]);
    expect(fieldsOf(await post(ch, "   "))).toEqual(["text"]);
    const bad = await post(ch, "\u001b[2J", undefined, { replyTo: "nope", mentions: ["nobody-at-all", ""] });
    expect(fieldsOf(bad)).toEqual(["mentions.1", "replyTo", "text"]);
    expect(fieldsOf(await post(ch, "hello", undefined, { mentions: ["nobody-at-all"] }))).toEqual(["mentions.0"]);
    const unknown = await post(randomUUID(), "hello");
    expect(codeOf(unknown)).toBe("NOT_FOUND");
    expect(codeOf(await post("no-such-channel", "hello"))).toBe("NOT_FOUND");
    const elsewhere = (await post(`task-${root.id}`, "in the root")).data!.postMessage.id;
    const cross = await post(ch, "answering elsewhere", undefined, { replyTo: elsewhere });
    expect(fieldsOf(cross)).toEqual(["replyTo"]);
    const names = await s.gql(CreateChannelDocument, {
      input: { name: "task-mine", description: "\u0000", members: ["x", randomUUID()] },
    });
    expect(fieldsOf(names)).toEqual(["description", "members.0", "name"]);
    const members = await s.gql(CreateChannelDocument, { input: { name: "ok-name", members: [randomUUID()] } });
    expect(fieldsOf(members)).toEqual(["members.0"]);
    await s.ok(CreateChannelDocument, { input: { name: `dup-${profile}` } });
    expect(fieldsOf(await s.gql(CreateChannelDocument, { input: { name: `dup-${profile}` } }))).toEqual(["name"]);
    expect((await s.ok(TaskChannelDocument, { id: child.id })).task!.channel!.messageSeq).toBe(before);
  });

  it("a person's message in a task channel, and a mention of an agent, reach the agents' tasks", async () => {
    const fromPerson = (await post(`task-${root.id}`, "Please hurry")).data!.postMessage;
    expect(fromPerson.mentions).toEqual([]);
    const rootPending = async () => (await s.ok(RuntimeTaskDocument, { id: root.id })).task!.pendingMessages;
    expect((await rootPending()).map((m) => [m.author, m.text])).toContainEqual([
      "bootstrap admin in the task's channel",
      "Please hurry",
    ]);
    // The lead mentions the helper in a named channel: the helper's running task gets it.
    const crew = `crew-${profile}`;
    const m = (await post(crew, "@helper can you check the tests?", keys.lead)).data!.postMessage;
    expect(m.mentions).toEqual([{ name: "helper", agentId: agents.helper, apiKeyId: null }]);
    const childPending = (await s.ok(RuntimeTaskDocument, { id: child.id })).task!.pendingMessages;
    expect(childPending.map((p) => [p.author, p.text])).toContainEqual([
      `lead in #${crew}`,
      "@helper can you check the tests?",
    ]);
    // An agent's own message in its task's channel is not sent back to it.
    const own = (await rootPending()).length;
    await post(`task-${root.id}`, "noted", keys.lead);
    expect((await rootPending()).length).toBe(own);
  });

  it("a mention of a person makes a MENTIONED notification for that key's subscriptions", async () => {
    await s.ok(SubscribeNotificationsDocument, { input: { channel: "IN_APP", events: ["MENTIONED"] } }, keys.member);
    await s.ok(SubscribeNotificationsDocument, { input: { channel: "IN_APP", events: ["MENTIONED"] } }, keys.viewer);
    const added = collect(s.ws(keys.member), NotificationAddedDocument, { afterSeq: 0 });
    await post(`crew-${profile}`, "@mia please review", keys.helper);
    const got = (await added.waitFor(1)).map((i) => i.notificationAdded);
    added.stop();
    expect(got[0]).toMatchObject({ event: "MENTIONED", title: `You were mentioned in #crew-${profile}` });
    expect(got[0]!.body).toBe("helper: @mia please review");
    expect((await s.ok(NotificationsDocument, { first: 10 }, keys.viewer)).notifications.edges).toEqual([]);
  });

  it("the agent tools sendMessage and readMessages use the task's channel by default", async () => {
    const ws = (await s.ok(TaskChannelDocument, { id: root.id })).task!;
    // The tools need the workspace READY (made by a job after assignment).
    const workspaceId = await untilValue("a READY workspace", async () => {
      const t = (await s.ok(TaskDocument, { id: root.id })).task;
      return t?.workspace?.status === "READY" ? t.workspace.id : null;
    });
    const sent = (
      await s.ok(SendChannelMessageToolDocument, { workspaceId: workspaceId!, text: "from the tool" }, keys.lead)
    ).sendMessage;
    expect(sent.channelId).toBe(ws.channel!.id);
    const read = (
      await s.ok(ReadChannelMessagesToolDocument, { workspaceId: workspaceId!, afterSeq: sent.seq - 1 }, keys.lead)
    ).readMessages;
    expect(read).toMatchObject({ channelId: ws.channel!.id, lastSeq: sent.seq });
    expect(read.messages.map((m) => m.text)).toEqual(["from the tool"]);
    const named = (
      await s.ok(ReadChannelMessagesToolDocument, { workspaceId: workspaceId!, channel: `crew-${profile}` }, keys.lead)
    ).readMessages;
    expect(named.channelName).toBe(`crew-${profile}`);
    const refused = await s.gql(
      SendChannelMessageToolDocument,
      { workspaceId: workspaceId!, channel: `replay-${profile}`, text: "not mine" },
      keys.lead,
    );
    expect(codeOf(refused)).toBe("FORBIDDEN");
  });
});
