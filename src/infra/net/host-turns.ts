import { performance } from "node:perf_hooks";
import { abortReason } from "./fetch-errors.js";

/** Hosts remembered at most; past it, hosts whose delay is over are forgotten. */
const MAX_REMEMBERED_HOSTS = 1_000;

/**
 * Resolves after `ms` on the monotonic clock (a timer may fire a little before its time as
 * performance.now() counts it: it is waited again), or rejects when `signal` aborts.
 */
export function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  const until = performance.now() + ms;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    let timer: NodeJS.Timeout;
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const tick = () => {
      const left = until - performance.now();
      if (left > 0) {
        timer = setTimeout(tick, Math.ceil(left));
        return;
      }
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    tick();
  });
}

/** Waits for `promise`, or rejects as soon as `signal` aborts (the promise runs on). */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/**
 * The politeness delay (FETCH_HOST_DELAY_MS), in process: requests to one host take turns, one at
 * a time, and each starts at least `delayMs` after the one before it ended; other hosts run in
 * parallel. A delay of 0 turns both off.
 */
export class HostTurns {
  /** The last turn taken (or waiting) per host: the next one waits for it. */
  private readonly queues = new Map<string, Promise<void>>();
  /** When each host's last request ended (performance.now()). */
  private readonly lastEnded = new Map<string, number>();

  constructor(private readonly delayMs: number) {}

  /** Runs `work` in `host`'s next turn; waiting for the turn does not count against a fetch's time. */
  async take<T>(host: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    if (this.delayMs <= 0) return work();
    const before = this.queues.get(host) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const queued = before.then(() => mine);
    this.queues.set(host, queued);
    void queued.then(() => {
      if (this.queues.get(host) === queued) this.queues.delete(host);
    });
    try {
      await abortable(before, signal);
      const ended = this.lastEnded.get(host);
      if (ended !== undefined) await waitFor(ended + this.delayMs - performance.now(), signal);
      try {
        return await work();
      } finally {
        this.lastEnded.set(host, performance.now());
      }
    } finally {
      release();
      this.forgetOld();
    }
  }

  private forgetOld(): void {
    if (this.lastEnded.size <= MAX_REMEMBERED_HOSTS) return;
    const cutoff = performance.now() - this.delayMs;
    for (const [host, ended] of this.lastEnded) if (ended < cutoff) this.lastEnded.delete(host);
  }
}
