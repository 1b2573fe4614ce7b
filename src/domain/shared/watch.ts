import type { PubSub, Topic, TopicPayloads } from "./pubsub.js";
import { Channel } from "./channel.js";
import { DomainError } from "../errors.js";

/** Updates a live subscription may have waiting for its client before it is ended. */
export const MAX_BUFFERED = 1_000;

/** What a subscription that fell MAX_BUFFERED updates behind ends with: a typed error, not INTERNAL. */
export const subscriberTooSlow = (): DomainError =>
  new DomainError(
    "LIMIT_EXCEEDED",
    `The subscriber is too slow: ${MAX_BUFFERED} updates were waiting for it; subscribe again to continue`,
    { limit: MAX_BUFFERED },
  );

/**
 * A live stream of rows named by a topic's payloads: each notification is loaded from the
 * database (in order, one at a time) and passed on when `accept` says so. A consumer that
 * falls more than MAX_BUFFERED items behind is ended with an error instead of growing memory.
 */
export function watch<T extends Topic, R>(
  pubsub: PubSub,
  topic: T,
  load: (payload: TopicPayloads[T]) => Promise<R | null>,
  accept: (row: R) => boolean,
): Channel<R> {
  let chain = Promise.resolve();
  const channel: Channel<R> = new Channel<R>(() => unsubscribe());
  const unsubscribe = pubsub.subscribe(topic, (payload) => {
    chain = chain
      .then(async () => {
        if (channel.isClosed) return;
        const row = await load(payload);
        if (row === null || !accept(row)) return;
        if (channel.size >= MAX_BUFFERED) {
          channel.fail(subscriberTooSlow());
          return;
        }
        channel.push(row);
      })
      .catch((err: unknown) => channel.fail(err));
  });
  return channel;
}
