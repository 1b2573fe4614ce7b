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
  const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let used = false;
  const reader: BodyReader = {
    async read() {
      const r = await chunks.next();
      return r.done ? { done: true } : { done: false, value: r.value };
    },
    async cancel() {
      if (!res.complete) res.destroy();
      else res.resume();
    },
  };
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
      const parts: Buffer[] = [];
      for await (const c of res as AsyncIterable<Buffer>) parts.push(c);
      return Buffer.concat(parts).toString("utf8");
    },
  };
}
