import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChannelMessagesDocument,
  ChannelMessagesLiveDocument,
  CreateChannelDocument,
  PostMessageDocument,
  type ChannelMessagesLiveSubscription,
} from "../generated/graphql.js";
import { pgBaseUrl } from "../helpers/pg.js";
import { startServerPair, type ServerPair } from "../helpers/server-pair.js";
import { collect, type TestServer } from "../helpers/server.js";

const seqs = (items: ChannelMessagesLiveSubscription[]) => items.map((i) => i.channelMessages.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(!pgBaseUrl)("channels across two API processes on one PostgreSQL [postgres]", () => {
  let a: TestServer;
  let b: TestServer;
  let pair: ServerPair | undefined;

  beforeAll(async () => {
    // One admin posts more than the default per-minute allowance here.
    pair = await startServerPair({ CHANNEL_MESSAGES_PER_MINUTE: "1000" });
    ({ a, b } = pair);
  });
  afterAll(() => pair?.stop());

  it("messages posted on both processes arrive on both, in seq order, with no gap and no duplicate", async () => {
    const channel = (await a.ok(CreateChannelDocument, { input: { name: "cluster" } })).createChannel.id;
    const post = (s: TestServer, text: string) => s.ok(PostMessageDocument, { channelId: channel, text });
    for (let i = 1; i <= 5; i++) await post(i % 2 ? a : b, `stored ${i}`);
    const onB = collect(b.ws(), ChannelMessagesLiveDocument, { channelId: channel, afterSeq: 2 });
    const onA = collect(a.ws(), ChannelMessagesLiveDocument, { channelId: channel, afterSeq: 0 });
    // Writers on both processes at once, while the subscribers replay: seqs are taken in turn on the row.
    await Promise.all(range(6, 45).map((i) => post(i % 2 ? a : b, `live ${i}`)));
    await onB.waitFor(43);
    await onA.waitFor(45);
    expect(seqs(onB.items)).toEqual(range(3, 45));
    expect(seqs(onA.items)).toEqual(range(1, 45));
    // A reconnect with the last seq seen continues where it stopped.
    onB.stop();
    const again = collect(b.ws(), ChannelMessagesLiveDocument, { channelId: channel, afterSeq: 40 });
    await post(a, "after the reconnect");
    await again.waitFor(6);
    expect(seqs(again.items)).toEqual(range(41, 46));
    const stored = (await b.ok(ChannelMessagesDocument, { channelId: channel, first: 200 })).channelMessages;
    expect(stored.map((m) => m.seq)).toEqual(range(1, 46));
    onA.stop();
    again.stop();
  });
});
