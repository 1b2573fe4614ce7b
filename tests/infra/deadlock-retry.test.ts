import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/infra/db/orm.js";
import { inTransaction, transactor } from "../../src/infra/db/transactions.js";
import { MemoryPubSub } from "../../src/infra/pubsub/memory.js";
import { pgBaseUrl } from "../helpers/pg.js";
import { fixtures, storeDatabase } from "../helpers/store-db.js";

/** Resolves once `n` parties have arrived: each waits for the others. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return async () => {
    if (++arrived === n) open();
    await opened;
  };
}

/**
 * Two transactions that lock the same two rows in opposite orders, each holding its first lock
 * until the other holds its own: PostgreSQL aborts one as a deadlock, and the transaction engine
 * runs that one again, so both end having done their work.
 */
describe.skipIf(!pgBaseUrl)("a deadlock's victim runs again [postgres]", () => {
  let store: { db: Database; close(): Promise<void> };
  const warnings: unknown[] = [];

  beforeAll(async () => {
    store = await storeDatabase("postgres");
  });
  afterAll(() => store?.close());

  it("both transactions commit; the victim's function ran twice", async () => {
    const { db } = store;
    const first = await fixtures.task(db, { title: "first" });
    const second = await fixtures.task(db, { title: "second" });
    const logger = { info() {}, debug() {}, error() {}, warn: (o: unknown) => warnings.push(o) };
    const deps = { transact: transactor({ db, pubsub: new MemoryPubSub(), logger }) };
    const bothHoldOne = barrier(2);
    const runs = { forward: 0, backward: 0 };
    const lockThenUpdate = (order: readonly string[], label: "forward" | "backward") =>
      inTransaction(deps, async (em) => {
        runs[label]++;
        await em.execute("select id from task where id = ? for update", [order[0]]);
        // The first run waits until both hold their first row; a run again does not wait.
        if (runs[label] === 1) await bothHoldOne();
        await em.execute("select id from task where id = ? for update", [order[1]]);
        await em.execute("update task set summary = coalesce(summary, '') || ? where id in (?, ?)", [
          label[0],
          order[0],
          order[1],
        ]);
        return label;
      });
    const results = await Promise.all([
      lockThenUpdate([first.id, second.id], "forward"),
      lockThenUpdate([second.id, first.id], "backward"),
    ]);
    expect(results).toEqual(["forward", "backward"]);
    expect(runs.forward + runs.backward).toBe(3);
    expect(warnings).toHaveLength(1);
    const rows = await db
      .fork()
      .execute<Array<{ summary: string }>>("select summary from task where id in (?, ?)", [first.id, second.id]);
    // Each row was changed once by each transaction: the victim's first try left nothing.
    for (const row of rows) expect(row.summary.split("").sort().join("")).toBe("bf");
  });
});
