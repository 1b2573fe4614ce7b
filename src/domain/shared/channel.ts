/**
 * A push-based async iterator whose return() takes effect at once, even while a consumer
 * is waiting (an async generator would stay suspended until its next value arrived).
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  private closed = false;
  private failure: unknown;
  private readonly drainWaiters: Array<() => void> = [];

  constructor(private readonly onClose: () => void = () => {}) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get size(): number {
    return this.buffer.length;
  }

  push(value: T): void {
    if (this.closed) return;
    const w = this.waiters.shift();
    if (w) w.resolve({ value, done: false });
    else this.buffer.push(value);
  }

  /** Ends the stream with an error delivered after the buffered values. */
  fail(err: unknown): void {
    if (this.closed) return;
    this.failure = err;
    this.closed = true;
    this.onClose();
    if (this.buffer.length === 0) for (const w of this.waiters.splice(0)) w.reject(err);
    this.releaseDrainWaiters();
  }

  /** Ends the stream once the consumer has taken the values already pushed (a complete stream). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    if (this.buffer.length === 0) for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
    this.releaseDrainWaiters();
  }

  /** Resolves once the consumer has taken enough values that fewer than `max` are buffered. */
  async belowLimit(max: number): Promise<void> {
    while (!this.closed && this.buffer.length >= max) {
      await new Promise<void>((r) => this.drainWaiters.push(r));
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift() as T;
      this.releaseDrainWaiters();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) {
      if (this.failure !== undefined) {
        const f = this.failure;
        this.failure = undefined;
        return Promise.reject(f);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(err);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.length = 0;
    this.failure = undefined;
    this.onClose();
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
    this.releaseDrainWaiters();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private releaseDrainWaiters(): void {
    for (const r of this.drainWaiters.splice(0)) r();
  }
}
