/** Items of a stream with a seq (taskEvents, commandOutput, channelMessages, notificationAdded). */
export interface Sequenced {
  seq: number;
}

/** Appends to `items` what is new (seq above the last one), in order: a stream's reducer. */
export function appendNew<T extends Sequenced>(items: readonly T[], incoming: readonly T[]): T[] {
  let last = items.length > 0 ? items[items.length - 1]!.seq : -Infinity;
  const out = items.slice();
  for (const item of incoming) {
    if (item.seq <= last) continue;
    out.push(item);
    last = item.seq;
  }
  return out;
}
