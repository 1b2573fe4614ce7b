import type { Handler, Message, Topic } from "../../domain/shared/pubsub.js";

export type { Handler, Message, PubSub, Topic, TopicPayloads } from "../../domain/shared/pubsub.js";
export { topics } from "../../domain/shared/pubsub.js";

/** Local fan-out shared by every implementation. */
export class HandlerRegistry {
  private readonly handlers = new Map<Topic, Set<(payload: never) => void>>();

  add<T extends Topic>(topic: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    const h = handler as (payload: never) => void;
    set.add(h);
    return () => {
      set.delete(h);
    };
  }

  dispatch(message: Message): void {
    const set = this.handlers.get(message.topic);
    if (!set) return;
    for (const h of [...set]) {
      try {
        (h as (p: unknown) => void)(message.payload);
      } catch {
        // a failing subscriber must not stop delivery to the others
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}
