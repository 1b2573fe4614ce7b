/**
 * Load generator, run as a child process by lib.ts#runLoad: a warm-up run, then the measured
 * run, both with autocannon; sends the measured figures back over IPC and exits.
 */
import autocannon from "autocannon";
import type { LoadRequest, LoadResult } from "./lib.js";

function run(req: LoadRequest, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const expect = req.expectInBody;
    autocannon(
      {
        url: req.url,
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        connections: req.connections,
        duration: seconds,
        timeout: 10,
        ...(req.overallRate ? { overallRate: req.overallRate } : {}),
        ...(expect ? { verifyBody: (b: string) => b.includes(expect) } : {}),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

process.once("message", (req: LoadRequest) => {
  void (async () => {
    try {
      if (req.warmupSeconds > 0) await run(req, req.warmupSeconds);
      process.send?.({ measuring: true });
      const r = await run(req, req.durationSeconds);
      const result: Omit<LoadResult, "serverCpuMsPerRequest" | "serverElu"> = {
        requests: r.requests.total,
        rps: r.requests.total / r.duration,
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        max: r.latency.max,
        mean: r.latency.average,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
        mismatches: r.mismatches,
        durationSeconds: r.duration,
      };
      process.send?.({ result }, () => process.exit(0));
    } catch (err) {
      process.send?.({ error: String(err) }, () => process.exit(1));
    }
  })();
});
