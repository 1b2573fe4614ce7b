/**
 * Mutual exclusion of the file tools' changes to one path across processes (the cluster profile:
 * an API node and workers may write into one workspace at once). Within a process the file tools
 * queue changes per path themselves (src/tools/files/files.ts); this port adds the other
 * processes. `keys` name what is changed (workspace directory and path); they are taken in one
 * global order, so two changes never wait for each other.
 */
export interface PathMutex {
  run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One process only (the embedded profile, SQLite): the file tools' own per-path queue suffices. */
export const singleProcessMutex: PathMutex = {
  run: (_keys, fn) => fn(),
  close: async () => undefined,
};
