import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FileHandle } from "node:fs/promises";
import { DomainError } from "../domain/errors.js";
import { limitExceeded } from "../tools/files/files.js";

/** Upload bodies for the file routes (src/http/files.ts): from the request, or in chunks on a workspace's holder. */

/** How much of a body's start is kept to recognise its type. */
export const SAMPLE_BYTES = 64 * 1024;

/** The client went away mid-request: nothing to answer. */
export class ClientAborted extends Error {}

export interface Received {
  size: number;
  version: string;
  head: Buffer;
  /** Valid UTF-8 throughout, without NUL bytes. */
  text: boolean;
}

export const tooLarge = (max: number) =>
  limitExceeded("maxUploadBytes", max, `An upload may hold at most ${max} bytes`);

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) off += (await fh.write(chunk, off)).bytesWritten;
}

/** Size, hash, head and text-ness of a body, chunk by chunk; throws past `max` bytes. */
class BodyMeter {
  private readonly hash = createHash("sha256");
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private text = true;
  size = 0;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.max) throw tooLarge(this.max);
    this.hash.update(chunk);
    if (this.text) {
      if (chunk.includes(0)) this.text = false;
      else {
        try {
          this.decoder.decode(chunk, { stream: true });
        } catch {
          this.text = false;
        }
      }
    }
    if (this.headLength < SAMPLE_BYTES) {
      const part = Buffer.from(chunk.subarray(0, SAMPLE_BYTES - this.headLength));
      this.head.push(part);
      this.headLength += part.length;
    }
  }

  finish(): Received {
    if (this.text) {
      try {
        this.decoder.decode();
      } catch {
        this.text = false;
      }
    }
    const version = `sha256:${this.hash.digest("hex")}`;
    return { size: this.size, version, head: Buffer.concat(this.head), text: this.text };
  }
}

/** Writes a body that arrives in chunks (from the API process, on the holder) into `fh`. */
export async function receiveChunks(chunks: AsyncIterable<Buffer>, fh: FileHandle, max: number): Promise<Received> {
  const meter = new BodyMeter(max);
  for await (const chunk of chunks) {
    meter.add(chunk);
    await writeAll(fh, chunk);
  }
  return meter.finish();
}

/** The request body as chunks, refused past `max`; a client that goes away is ClientAborted. */
export async function* bodyOf(req: IncomingMessage, max: number): AsyncGenerator<Buffer> {
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooLarge(max);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new ClientAborted(err instanceof Error ? err.message : "client went away");
  }
  if (!req.complete) throw new ClientAborted("client went away");
}

/** Streams the request body into `fh`, hashing and checking it on the way; rejects past `max`. */
export function receive(req: IncomingMessage, fh: FileHandle, max: number): Promise<Received> {
  return new Promise((resolve, reject) => {
    if (req.destroyed && !req.complete) {
      reject(new ClientAborted("client went away"));
      return;
    }
    const meter = new BodyMeter(max);
    let writing: Promise<void> = Promise.resolve();
    let settled = false;

    const detach = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      req.off("error", onError);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      detach();
      // Let a write in flight finish before the caller closes and deletes the file.
      void writing.then(
        () => reject(err),
        () => reject(err),
      );
    };
    const onData = (chunk: Buffer) => {
      try {
        meter.add(chunk);
      } catch (err) {
        return fail(err);
      }
      req.pause();
      writing = writing
        .then(() => writeAll(fh, chunk))
        .then(() => {
          if (!settled) req.resume();
        });
      writing.catch(fail);
    };
    const onEnd = () => {
      writing.then(() => {
        if (settled) return;
        settled = true;
        detach();
        resolve(meter.finish());
      }, fail);
    };
    const onClose = () => {
      if (!req.complete) fail(new ClientAborted("client went away"));
    };
    const onError = (err: Error) => fail(new ClientAborted(err.message));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
    req.on("error", onError);
  });
}
