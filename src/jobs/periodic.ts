import type { Logger } from "../domain/shared/deps.js";

/** Hourly, the default of the retention passes. */
export const DEFAULT_PASS_INTERVAL_MS = 3_600_000;

/**
 * Runs `pass` at once and then every `intervalMs`, never two at a time (a pass still running when
 * the next is due is not doubled); a failed pass is logged as `what` and the next one runs as
 * usual. stop() cancels the timer and waits for a pass in progress.
 */
export function startPeriodic(
  what: string,
  logger: Pick<Logger, "warn">,
  intervalMs: number,
  pass: () => Promise<void>,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopping = false;
  const tick = () => {
    if (running || stopping) return;
    running = pass()
      .catch((err: unknown) => logger.warn({ err }, `${what} failed`))
      .finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await running;
    },
  };
}
