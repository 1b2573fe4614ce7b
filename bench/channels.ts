/**
 * One channel message to 500 graphql-ws subscribers of the channel (channelMessages): the time
 * from sending postMessage to the message's arrival at each subscriber, against the same
 * fan-out of a task event (500 taskEvents subscribers of one task, one updateTaskStatus), in
 * the same run and the same server process (server-child.ts, SQLite, no workers). Each side:
 * 500 protocol-level clients, one warm-up round, then 8 measured rounds; p50 and p99 over every
 * arrival of the measured rounds, and the ratio of the p99s.
 */
import type { Client } from "graphql-ws";
import { loadAverage, ms, percentile, removeDir, sleep, tempDir, type Bench, type BenchResult } from "./lib.js";
import { ensureFileLimit, gql, protocolClient, ServerChild } from "./subscribers.js";

const SUBSCRIBERS = 500;
const BATCH = 100;
const WARMUP_ROUNDS = 1;
const MEASURED_ROUNDS = 8;
/** The status moves of the taskEvents rounds (an EXTERNAL agent's task: any order the state machine allows). */
const MOVES = ["BUILD", "TEST", "REVIEW"] as const;
const RATIO_TARGET = 1.5;

/** One side of the comparison: what its clients subscribe to, and the change each round makes. */
interface Side {
  query: string;
  variables: Record<string, unknown>;
  seqOf: (data: Record<string, { seq: number }>) => number;
  /** Sends the round's change; resolves to the seq it made. */
  fire: (round: number) => Promise<number>;
}

/** `SUBSCRIBERS` clients on `side`; the latencies (ms) of every arrival in the measured rounds. */
async function fanOut(wsUrl: string, key: string, side: Side): Promise<{ latencies: number[]; missing: number }> {
  const clients: Client[] = [];
  let expected = -1;
  let sentAt = 0;
  // By seq: an arrival may come before the mutation's answer says which seq the round made.
  const arrivals = new Map<number, number[]>();
  const waiting: { wake: (() => void) | null } = { wake: null };
  const arrived = (seq: number) => arrivals.get(seq)?.length ?? 0;
  try {
    for (let done = 0; done < SUBSCRIBERS; done += BATCH) {
      const connected: Promise<void>[] = [];
      for (let i = done; i < Math.min(SUBSCRIBERS, done + BATCH); i++) {
        connected.push(
          new Promise<void>((resolve, reject) => {
            const client = protocolClient({
              url: wsUrl,
              authorization: `Bearer ${key}`,
              onConnected: resolve,
              onError: (e) => reject(new Error(`a client failed: ${JSON.stringify(e)}`)),
            });
            clients.push(client);
            client.subscribe<Record<string, { seq: number }>>(
              { query: side.query, variables: side.variables },
              {
                next: (v) => {
                  if (!v.data) return;
                  const seq = side.seqOf(v.data);
                  const list = arrivals.get(seq) ?? [];
                  list.push(performance.now() - sentAt);
                  arrivals.set(seq, list);
                  if (seq === expected && list.length === SUBSCRIBERS) waiting.wake?.();
                },
                error: (e) => reject(new Error(`a subscription failed: ${JSON.stringify(e)}`)),
                complete: () => {},
              },
            );
          }),
        );
      }
      await Promise.all(connected);
    }
    await sleep(500); // every subscription past its (empty) replay
    const latencies: number[] = [];
    let missing = 0;
    for (let round = 0; round < WARMUP_ROUNDS + MEASURED_ROUNDS; round++) {
      const all = new Promise<void>((resolve) => (waiting.wake = resolve));
      expected = -1;
      sentAt = performance.now();
      expected = await side.fire(round);
      if (arrived(expected) === SUBSCRIBERS) waiting.wake?.();
      await Promise.race([all, sleep(10_000)]);
      if (round >= WARMUP_ROUNDS) {
        latencies.push(...(arrivals.get(expected) ?? []));
        missing += SUBSCRIBERS - arrived(expected);
      }
      await sleep(200);
    }
    return { latencies: latencies.sort((a, b) => a - b), missing };
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
  }
}

export const channelsBench: Bench = {
  name: "channels",
  description: `one channel message to ${SUBSCRIBERS} subscribers against one task event to ${SUBSCRIBERS} subscribers`,
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    result.notes.push(ensureFileLimit(SUBSCRIBERS * 2 + 200));
    const load0 = loadAverage();
    const dataDir = tempDir("channels");
    const server = await ServerChild.start(dataDir);
    try {
      const { url, wsUrl, adminKey } = server.ready;
      await gql(url, adminKey, 'mutation { createAgent(input: { name: "bench" }) { id } }');
      const created = await gql<{ createTask: { id: string; lastEventSeq: number } }>(
        url,
        adminKey,
        'mutation { createTask(input: { title: "channel bench", complexity: 3 }) { id lastEventSeq } }',
      );
      const taskId = created.createTask.id;

      const events = await fanOut(wsUrl, adminKey, {
        query:
          "subscription($taskId: ID!, $afterSeq: Int) { taskEvents(taskId: $taskId, afterSeq: $afterSeq) { seq type content } }",
        variables: { taskId, afterSeq: created.createTask.lastEventSeq },
        seqOf: (d) => d.taskEvents?.seq ?? -1,
        fire: async (round) => {
          const r = await gql<{ updateTaskStatus: { lastEventSeq: number } }>(
            url,
            adminKey,
            "mutation($id: ID!, $s: TaskStatus!) { updateTaskStatus(id: $id, status: $s) { lastEventSeq } }",
            { id: taskId, s: MOVES[round % MOVES.length] },
          );
          return r.updateTaskStatus.lastEventSeq;
        },
      });
      const messages = await fanOut(wsUrl, adminKey, {
        query:
          "subscription($c: ID!) { channelMessages(channelId: $c, afterSeq: 0) { seq text author { name } mentions { name } } }",
        variables: { c: taskId },
        seqOf: (d) => d.channelMessages?.seq ?? -1,
        fire: async (round) => {
          const r = await gql<{ postMessage: { seq: number } }>(
            url,
            adminKey,
            "mutation($c: ID!, $t: String!) { postMessage(channelId: $c, text: $t) { seq } }",
            { c: taskId, t: `round ${round}: status update for everyone` },
          );
          return r.postMessage.seq;
        },
      });
      const p = (l: number[], q: number) => percentile(l, q);
      const ratio = p(messages.latencies, 99) / p(events.latencies, 99);
      result.figures.push(
        {
          name: "p50 delivery",
          value: ms(p(messages.latencies, 50)),
          baseline: ms(p(events.latencies, 50)),
          note: "channelMessages vs taskEvents",
        },
        {
          name: "p99 delivery",
          value: ms(p(messages.latencies, 99)),
          baseline: ms(p(events.latencies, 99)),
          note: `ratio ${ratio.toFixed(2)}`,
        },
        {
          name: "arrivals counted",
          value: String(messages.latencies.length),
          baseline: String(events.latencies.length),
          note: `missing: ${messages.missing} / ${events.missing}`,
        },
      );
      result.targets.push({
        name: "p99 channel message delivery / p99 task event delivery",
        measured: ratio.toFixed(2),
        target: `≤ ${RATIO_TARGET}`,
        pass: ratio <= RATIO_TARGET && messages.missing === 0,
      });
      result.notes.push(
        `${SUBSCRIBERS} subscribers per side, ${MEASURED_ROUNDS} measured rounds after ${WARMUP_ROUNDS} warm-up; ` +
          `time from sending the mutation to each arrival; load average ${load0.toFixed(2)} → ${loadAverage().toFixed(2)}`,
      );
      return result;
    } finally {
      await server.stop();
      removeDir(dataDir);
    }
  },
};
