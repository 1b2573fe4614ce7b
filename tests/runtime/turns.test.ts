import { expect, it } from "vitest";
import { Turns } from "../../src/runtime/model.runtime.js";

const tick = () => new Promise((r) => setImmediate(r));

it("lets at most `slots` runs do their bookkeeping at once, the others in the order they came", async () => {
  const turns = new Turns(2);
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  const run = async (i: number) => {
    for (let step = 0; step < 3; step++) {
      await turns.enter();
      inside++;
      most = Math.max(most, inside);
      if (step === 0) order.push(i);
      await tick(); // a read, a commit …
      await tick();
      inside--;
      turns.leave();
      await tick(); // the model call, holding no slot
    }
  };
  await Promise.all(Array.from({ length: 10 }, (_, i) => run(i)));
  expect(most).toBe(2);
  expect(inside).toBe(0);
  expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // All slots are free again: as many runs as slots enter at once.
  await Promise.all([turns.enter(), turns.enter()]);
});

it("has at least one slot whatever it is given", async () => {
  const turns = new Turns(0);
  await turns.enter();
  let second = false;
  const p = turns.enter().then(() => (second = true));
  await tick();
  expect(second).toBe(false);
  turns.leave();
  await p;
  expect(second).toBe(true);
});
