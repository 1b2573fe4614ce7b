import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { DiskUsage } from "../../src/metrics/disk-usage.js";

let root: string;
let outside: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "du-root-"));
  outside = await mkdtemp(join(tmpdir(), "du-outside-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

it("counts the bytes under the folder like du, without following symlinks", async () => {
  await mkdir(join(root, "a", "b"), { recursive: true });
  await writeFile(join(root, "a", "b", "data"), Buffer.alloc(MiB, 1));
  // 8 MiB outside, reachable through a link to the file and one to its folder: not counted.
  await writeFile(join(outside, "big"), Buffer.alloc(8 * MiB, 1));
  await symlink(join(outside, "big"), join(root, "a", "link-to-file"));
  await symlink(outside, join(root, "a", "link-to-dir"));
  const r = await new DiskUsage(root, 0).read();
  expect(r.complete).toBe(true);
  expect(r.bytes).toBeGreaterThanOrEqual(MiB);
  expect(r.bytes).toBeLessThan(2 * MiB);
});

it("stops at the entry bound and says the total is partial", async () => {
  for (let i = 0; i < 20; i++) await writeFile(join(root, `f${i}`), "x");
  const r = await new DiskUsage(root, 0, 5).read();
  expect(r.complete).toBe(false);
});

it("answers from the last walk within its lifetime and refreshes a stale one behind the answer", async () => {
  const du = new DiskUsage(root, 60_000);
  const first = await du.read();
  await writeFile(join(root, "later"), Buffer.alloc(MiB, 1));
  expect(await du.read()).toBe(first); // cached: the new file is not seen yet
  const stale = new DiskUsage(root, 0);
  const before = await stale.read();
  await writeFile(join(root, "more"), Buffer.alloc(MiB, 1));
  // A stale total is answered at once while a new walk starts; a later read sees the new walk.
  expect((await stale.read()).at).toBeGreaterThanOrEqual(before.at);
  let seen = 0;
  await expect
    .poll(async () => (seen = (await stale.read()).bytes) >= before.bytes + MiB, { timeout: 30_000, interval: 20 })
    .toBe(true);
  expect(seen).toBeGreaterThanOrEqual(before.bytes + MiB);
});
