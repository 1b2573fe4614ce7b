import { humanize } from "../lib/format";

/** A status as text with its colour (the colour is never the only sign). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{humanize(status)}</span>;
}
