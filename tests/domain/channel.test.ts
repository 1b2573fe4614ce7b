import { describe, expect, it } from "vitest";
import { Channel } from "../../src/domain/shared/channel.js";
import { decodeCursor, encodeCursor, pageSize } from "../../src/domain/shared/pagination.js";
import { newId } from "../../src/domain/ids.js";

describe("Channel", () => {
  it("delivers pushed values in order, buffered or awaited", async () => {
    const c = new Channel<number>();
    c.push(1);
    const pending = [c.next(), c.next()];
    c.push(2);
    expect(await pending[0]).toEqual({ value: 1, done: false });
    expect(await pending[1]).toEqual({ value: 2, done: false });
  });

  it("return() ends a consumer that is waiting and runs the cleanup once", async () => {
    let closed = 0;
    const c = new Channel<number>(() => closed++);
    const waiting = c.next();
    await c.return();
    await c.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
    c.push(3);
    expect(await c.next()).toEqual({ value: undefined, done: true });
  });

  it("fail() delivers buffered values first, then the error", async () => {
    const c = new Channel<number>();
    c.push(1);
    c.fail(new Error("boom"));
    expect(await c.next()).toEqual({ value: 1, done: false });
    await expect(c.next()).rejects.toThrow("boom");
  });

  it("belowLimit() waits until the consumer catches up", async () => {
    const c = new Channel<number>();
    for (let i = 0; i < 3; i++) c.push(i);
    let released = false;
    const gate = c.belowLimit(3).then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    await c.next();
    await gate;
    expect(released).toBe(true);
  });
});

describe("ids and cursors", () => {
  it("makes time-ordered, unique UUIDv7 ids", () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("round-trips cursors and refuses foreign ones", () => {
    const id = newId();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    expect(() => decodeCursor("garbage")).toThrow(/after/);
    expect(() => decodeCursor(Buffer.from("v1:../../etc").toString("base64url"))).toThrow();
  });

  it("bounds page sizes", () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(0)).toBe(0);
    expect(() => pageSize(101)).toThrow(/first/);
    expect(() => pageSize(-1)).toThrow(/first/);
  });
});
