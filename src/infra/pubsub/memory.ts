import { HandlerRegistry, type Handler, type Message, type PubSub, type Topic } from "./pubsub.js";

/** In-process pub/sub for the embedded profile. Delivery is asynchronous, like the real bus. */
export class MemoryPubSub implements PubSub {
  private readonly registry = new HandlerRegistry();
  private closed = false;

  async publish(messages: readonly Message[]): Promise<void> {
    if (this.closed || messages.length === 0) return;
    queueMicrotask(() => {
      for (const m of messages) this.registry.dispatch(m);
    });
  }

  subscribe<T extends Topic>(topic: T, handler: Handler<T>): () => void {
    return this.registry.add(topic, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.registry.clear();
  }
}
