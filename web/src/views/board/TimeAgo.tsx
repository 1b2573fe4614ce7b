import { useSyncExternalStore } from "react";
import { dateTime, timeAgo } from "../../lib/format";

/**
 * One shared clock for every "updated … ago" on the board: it ticks every 30 s while anything
 * shows it, and only these small spans re-render, not the cards around them.
 */
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(l: () => void) {
  listeners.add(l);
  if (!timer)
    timer = setInterval(() => {
      now = Date.now();
      for (const f of listeners) f();
    }, 30_000);
  return () => {
    listeners.delete(l);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function TimeAgo({ iso }: { iso: string }) {
  // The tick only triggers the re-render; the text is relative to the time of rendering.
  useSyncExternalStore(subscribe, () => now);
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {timeAgo(iso)}
    </time>
  );
}
