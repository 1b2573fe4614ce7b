import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { singleProcessMutex } from "../../src/domain/workspaces/path-mutex.js";
import { AdvisoryPathMutex } from "../../src/infra/db/advisory-mutex.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";
import { waitUntil } from "../helpers/process.js";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * The file tools' cross-process exclusion on PostgreSQL advisory locks. Each mutex has its own
 * connection, as each process of the cluster profile does: two of them here are two processes.
 */
describe.skipIf(!pgBaseUrl)("AdvisoryPathMutex [postgres]", () => {
  let url = "";
  let drop: () => Promise<void> = async () => {};
  const mutexes: AdvisoryPathMutex[] = [];
  const make = () => {
    const m = new AdvisoryPathMutex(url, quiet);
    mutexes.push(m);
    return m;
  };

  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase());
  });
  afterAll(async () => {
    for (const m of mutexes) await m.close();
    await drop();
  });

  it("lets a second process into a key only when the first has left it; other keys pass meanwhile", async () => {
    const [one, two] = [make(), make()];
    const order: string[] = [];
    let leave: () => void = () => {};
    const gate = new Promise<void>((r) => (leave = r));
    const first = one.run(["ws\0src/a.ts"], async () => {
      order.push("one in");
      await gate;
      order.push("one out");
    });
    await waitUntil(() => order.includes("one in"), "the first holder to enter");
    const second = two.run(["ws\0src/a.ts"], async () => {
      order.push("two in");
    });
    // Another path is not held up by the first holder.
    await two.run(["ws\0src/b.ts"], async () => {
      order.push("other path");
    });
    expect(order).toEqual(["one in", "other path"]);
    leave();
    await Promise.all([first, second]);
    expect(order).toEqual(["one in", "other path", "one out", "two in"]);
  });

  it("never deadlocks two processes that take the same keys named in opposite orders", async () => {
    const [one, two] = [make(), make()];
    let inside = 0;
    let most = 0;
    const section = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setImmediate(r));
      inside--;
    };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one.run(["x", "y"], section) : two.run(["y", "x"], section))),
    );
    expect(most).toBe(1);
  });

  it("frees the keys when the section throws", async () => {
    const [one, two] = [make(), make()];
    await expect(
      one.run(["k"], async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await two.run(["k"], async () => "entered")).toBe("entered");
  });
});

describe("singleProcessMutex", () => {
  it("just runs the section (the file tools queue per path in their process)", async () => {
    expect(await singleProcessMutex.run(["a"], async () => 42)).toBe(42);
  });
});
