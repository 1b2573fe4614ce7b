/**
 * How many runs may be in their sandboxes at once: in this process (COMMAND_MAX_CONCURRENT) and
 * in one workspace (COMMAND_MAX_PER_WORKSPACE). A run over either bound waits its turn, in the
 * order runs asked, rather than being refused; one that is cancelled while it waits leaves the
 * line without ever starting.
 */
interface Waiting {
  key: string;
  grant(release: () => void): void;
}

export class RunSlots {
  private running = 0;
  private readonly byKey = new Map<string, number>();
  private readonly line: Waiting[] = [];

  constructor(
    readonly maxRunning: number,
    readonly maxPerKey: number,
  ) {}

  /** Runs at once now, and waiting. */
  get counts(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.line.length };
  }

  /** Whether a run for `key` would have to wait. */
  isFull(key: string): boolean {
    return this.running >= this.maxRunning || (this.byKey.get(key) ?? 0) >= this.maxPerKey;
  }

  /** Resolves with the function that frees the slot, once there is one; rejects if `signal` aborts first. */
  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiting: Waiting = {
        key,
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const at = this.line.indexOf(waiting);
        if (at >= 0) this.line.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.line.push(waiting);
      this.pump();
    });
  }

  private take(key: string): () => void {
    this.running++;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const n = (this.byKey.get(key) ?? 1) - 1;
      if (n === 0) this.byKey.delete(key);
      else this.byKey.set(key, n);
      this.pump();
    };
  }

  /** Starts every waiting run that fits now, in order (a run of a full workspace does not hold up others). */
  private pump(): void {
    for (let i = 0; i < this.line.length && this.running < this.maxRunning;) {
      const w = this.line[i] as Waiting;
      if (this.isFull(w.key)) {
        i++;
        continue;
      }
      this.line.splice(i, 1);
      w.grant(this.take(w.key));
    }
  }
}
