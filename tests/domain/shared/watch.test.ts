import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/domain/errors.js";
import { MAX_BUFFERED, watch } from "../../../src/domain/shared/watch.js";
import { MemoryPubSub } from "../../../src/infra/pubsub/memory.js";

describe("watch", () => {
  it("ends a subscriber that falls MAX_BUFFERED updates behind with a typed LIMIT_EXCEEDED, after what it had", async () => {
    const pubsub = new MemoryPubSub();
    let loaded = 0;
    const channel = watch(
      pubsub,
      "TASK_CHANGED",
      async ({ taskId }) => {
        loaded++;
        return taskId;
      },
      () => true,
    );
    const updates = MAX_BUFFERED + 5;
    await pubsub.publish(
      Array.from({ length: updates }, (_, i) => ({ topic: "TASK_CHANGED" as const, payload: { taskId: `t${i}` } })),
    );
    // Nothing is consumed meanwhile: the notifications are loaded in turn, the first MAX_BUFFERED kept,
    // and the next one ends the stream (the rest are not even read).
    await expect.poll(() => channel.isClosed, { timeout: 20_000 }).toBe(true);
    expect(loaded).toBe(MAX_BUFFERED + 1);
    const received: string[] = [];
    let failure: unknown;
    try {
      for await (const taskId of channel) received.push(taskId);
    } catch (err) {
      failure = err;
    }
    expect(received).toHaveLength(MAX_BUFFERED);
    expect(received[0]).toBe("t0");
    expect(received.at(-1)).toBe(`t${MAX_BUFFERED - 1}`);
    expect(failure).toBeInstanceOf(DomainError);
    expect((failure as DomainError).code).toBe("LIMIT_EXCEEDED");
    expect((failure as DomainError).details).toMatchObject({ limit: MAX_BUFFERED });
    await pubsub.close();
  });
});
