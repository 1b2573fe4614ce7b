import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { Worker } from "node:worker_threads";

/**
 * Writes small files atomically (a new file under a fresh name, then a rename over the target)
 * on a thread of its own: the README of a workspace is rewritten at every change of phase, and
 * here the four system calls cost the event loop more than everything else the runtime does for
 * that change (directory updates are slow on this kind of disk). One worker per process, started
 * on first use, never keeping the process alive; if it cannot start or dies, writes run inline.
 */
const workerSource = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
parentPort.on("message", ({ id, tmp, target, text }) => {
  try {
    // "wx": fails on anything already there, a symlink planted by the workspace's user included.
    const fd = fs.openSync(tmp, "wx", 0o644);
    try {
      const buf = Buffer.from(text, "utf8");
      for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.renameSync(tmp, target);
    } catch (e) {
      try { fs.unlinkSync(tmp); } catch {}
      throw e;
    }
    parentPort.postMessage({ id });
  } catch (e) {
    parentPort.postMessage({ id, error: { message: String(e && e.message), code: e && e.code } });
  }
});
`;

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

let worker: Worker | null = null;
let broken = false;
let next = 0;
const pending = new Map<number, Pending>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function theWorker(): Worker | null {
  if (worker || broken) return worker;
  try {
    const w = new Worker(workerSource, { eval: true });
    w.unref();
    w.on("message", (m: { id: number; error?: { message: string; code?: string } }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (!m.error) return p.resolve();
      const err = new Error(m.error.message) as NodeJS.ErrnoException;
      if (m.error.code) err.code = m.error.code;
      p.reject(err);
    });
    w.on("error", (err) => {
      worker = null;
      failAll(err);
    });
    w.on("exit", () => {
      if (worker === w) worker = null;
      failAll(new Error("the file writer thread stopped"));
    });
    worker = w;
  } catch {
    broken = true;
  }
  return worker;
}

function writeInline(tmp: string, target: string, text: string): void {
  const fd = openSync(tmp, "wx", 0o644);
  try {
    const buf = Buffer.from(text, "utf8");
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
}

/** Creates `tmp` (which must not exist), writes `text` into it and renames it over `target`. */
export function writeAtomically(tmp: string, target: string, text: string): Promise<void> {
  const w = theWorker();
  if (!w) {
    try {
      writeInline(tmp, target, text);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  const id = ++next;
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // Referenced while a write is under way, so a process does not exit with one half done.
    w.ref();
    w.postMessage({ id, tmp, target, text });
  }).finally(() => {
    if (pending.size === 0) worker?.unref();
  });
}
