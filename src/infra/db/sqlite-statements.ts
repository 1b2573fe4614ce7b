import type { Database, Statement } from "sqlite3";
import type { RawRunner, Row } from "./raw.js";

/** Prepared statements kept per read connection; the least recently used beyond this is finalized. */
export const MAX_PREPARED_STATEMENTS = 200;

/** A read runner that keeps its statements prepared, and the way to let them go before closing. */
export interface PreparedReads extends Pick<RawRunner, "all"> {
  /** Finalizes every kept statement (a connection with unfinalized statements cannot close). */
  finalizeAll(): Promise<void>;
}

/**
 * Reads on one SQLite connection with each statement text prepared once and run again with new
 * parameters: node-sqlite3's `Database#all` compiles, runs and finalizes a statement per call
 * (three trips to the thread pool); a kept statement is one. The hot reads are a handful of
 * texts. A statement run to its end holds no read transaction (WAL checkpoints are not held up),
 * and one whose preparation failed is dropped with the error.
 */
export function preparedReads(db: Database, onQuery?: (sql: string) => void): PreparedReads {
  const statements = new Map<string, Statement>();
  const drop = (text: string, st: Statement) => {
    if (statements.get(text) === st) statements.delete(text);
    st.finalize();
  };
  return {
    all: (text, params) =>
      new Promise<Row[]>((resolve, reject) => {
        onQuery?.(text);
        let st = statements.get(text);
        if (st) {
          statements.delete(text); // re-inserted below: the map's order is the order of use
        } else {
          if (statements.size >= MAX_PREPARED_STATEMENTS) {
            const [oldText, old] = statements.entries().next().value as [string, Statement];
            drop(oldText, old);
          }
          st = db.prepare(text);
        }
        statements.set(text, st);
        const used = st;
        used.all(params as unknown[], (err: Error | null, rows: Row[]) => {
          if (err) {
            drop(text, used);
            reject(err);
          } else resolve(rows);
        });
      }),
    async finalizeAll() {
      const all = [...statements.values()];
      statements.clear();
      await Promise.all(all.map((st) => new Promise<void>((resolve) => st.finalize(() => resolve()))));
    },
  };
}
