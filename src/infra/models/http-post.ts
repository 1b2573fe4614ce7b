import http from "node:http";
import https from "node:https";

/** The part of a fetch Response the model client reads. */
export interface PostResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly body: { getReader(): BodyReader } | null;
  text(): Promise<string>;
}

export interface BodyReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
  cancel(): Promise<void>;
}

/**
 * POST over node:http(s) with a keep-alive agent per client, answering like fetch: the model
 * client's one request per turn costs about a third of fetch's CPU here (undici's web streams
 * and its per-request machinery), which on a busy runtime is a millisecond per model turn.
 * Aborting `signal` destroys the request or the response being read.
 */
export class HttpPoster {
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };

  post(
    url: string,
    init: { headers: Record<string, string>; body: string; signal: AbortSignal },
  ): Promise<PostResponse> {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    if (!secure && target.protocol !== "http:") {
      return Promise.reject(new TypeError(`unsupported protocol ${target.protocol}`));
    }
    const body = Buffer.from(init.body, "utf8");
    return new Promise<PostResponse>((resolve, reject) => {
      if (init.signal.aborted) return reject(abortError(init.signal));
      const req = (secure ? https : http).request(target, {
        method: "POST",
        agent: secure ? this.agents.https : this.agents.http,
        headers: { ...init.headers, "content-length": String(body.length) },
      });
      const onAbort = () => req.destroy(abortError(init.signal));
      init.signal.addEventListener("abort", onAbort, { once: true });
      const done = () => init.signal.removeEventListener("abort", onAbort);
      req.once("error", (err) => {
        done();
        reject(err);
      });
      req.once("response", (res) => {
        res.once("close", done);
        resolve(respond(res));
      });
      req.end(body);
    });
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("This operation was aborted", "AbortError");
}

function respond(res: http.IncomingMessage): PostResponse {
  const status = res.statusCode ?? 0;
  const reader = bodyReader(res);
  let used = false;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? "",
    headers: {
      get(name) {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
      },
    },
    body: {
      getReader() {
        used = true;
        return reader;
      },
    },
    async text() {
      if (used) throw new TypeError("the body was already read");
      used = true;
      const parts: Uint8Array[] = [];
      for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
      return Buffer.concat(parts).toString("utf8");
    },
  };
}

/**
 * The response body as a reader, on the stream's own events (its async iterator costs several
 * promises and listeners per chunk). A few chunks are buffered, then the stream is paused until
 * they are read. An error, or a close before the end (the connection lost, the request
 * destroyed on abort), fails the pending and every later read.
 */
function bodyReader(res: http.IncomingMessage): BodyReader {
  const queue: Buffer[] = [];
  let ended = false;
  let failed: unknown = null;
  let wake: (() => void) | null = null;
  const woken = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  res.on("data", (c: Buffer) => {
    queue.push(c);
    if (queue.length >= 16) res.pause();
    woken();
  });
  res.once("end", () => {
    ended = true;
    woken();
  });
  res.once("error", (err) => {
    failed ??= err;
    woken();
  });
  res.once("close", () => {
    if (!ended) failed ??= Object.assign(new Error("aborted"), { code: "ECONNRESET" });
    woken();
  });
  return {
    async read() {
      while (queue.length === 0 && failed === null && !ended) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const c = queue.shift();
      if (c !== undefined) {
        if (res.isPaused() && queue.length < 4) res.resume();
        return { done: false, value: c };
      }
      if (failed !== null) throw failed;
      return { done: true };
    },
    async cancel() {
      if (!res.complete) res.destroy();
      else res.resume();
    },
  };
}
