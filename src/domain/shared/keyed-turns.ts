/**
 * Work that must not overlap per key, in this process: each `run` for a key starts when the one
 * before it (for that key) has settled, whatever its outcome; keys are independent. A key with
 * nothing queued holds no memory.
 */
export class KeyedTurns {
  private readonly last = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.last.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const settled = mine.catch(() => undefined);
    this.last.set(key, settled);
    void settled.then(() => {
      if (this.last.get(key) === settled) this.last.delete(key);
    });
    return mine;
  }
}
