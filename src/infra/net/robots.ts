import robotsParserModule from "robots-parser";
import { DomainError, policyDenied } from "../../domain/errors.js";
import { abortable } from "./host-turns.js";

/** How long a robots.txt read is kept per origin. */
export const ROBOTS_TTL_MS = 60 * 60 * 1000;
/** How long a robots.txt answered with 5xx or 429 keeps the origin closed (RFC 9309: unreachable means disallow). */
export const ROBOTS_UNREACHABLE_TTL_MS = 60 * 1000;
/** The part of a robots.txt that counts (RFC 9309 asks parsers for at least 500 KiB). */
export const ROBOTS_MAX_BYTES = 512 * 1024;
/** Origins remembered at most; the oldest is forgotten first. */
const MAX_ORIGINS = 10_000;

interface Robot {
  isAllowed(url: string, userAgent?: string): boolean | undefined;
}
/** The package is CommonJS (`module.exports = function`), which its typings describe as a default export. */
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => Robot;
type Verdict = { kind: "rules"; robot: Robot } | { kind: "allow-all" } | { kind: "disallow-all"; why: string };

export interface RobotsAnswer {
  status: number;
  body: Buffer;
}

/** Fetches a robots.txt through the guarded path (redirects, address checks and caps as any fetch). */
export type FetchRobots = (robotsUrl: URL) => Promise<RobotsAnswer>;

export interface RobotsTiming {
  ttlMs?: number;
  unreachableTtlMs?: number;
  now?: () => number;
}

/**
 * robots.txt, honoured for our User-Agent and cached per origin (scheme, host, port). As RFC 9309
 * says: 2xx is parsed; 4xx means no rules (all allowed); 5xx and 429 mean all disallowed for a
 * short while. A host that cannot be reached at all fails the fetch with that error (the page
 * would fail the same way), and is asked again next time.
 */
export class RobotsCache {
  private readonly entries = new Map<string, { expiresAt: number; verdict: Promise<Verdict> }>();
  private readonly ttlMs: number;
  private readonly unreachableTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchRobots: FetchRobots,
    private readonly userAgent: string,
    timing: RobotsTiming = {},
  ) {
    this.ttlMs = timing.ttlMs ?? ROBOTS_TTL_MS;
    this.unreachableTtlMs = timing.unreachableTtlMs ?? ROBOTS_UNREACHABLE_TTL_MS;
    this.now = timing.now ?? Date.now;
  }

  /** Throws POLICY_DENIED (rule "robots") when the origin's robots.txt disallows `url` for us. */
  async check(url: URL, signal?: AbortSignal): Promise<void> {
    const verdict = await abortable(this.verdictFor(url.origin), signal);
    const robotsUrl = `${url.origin}/robots.txt`;
    if (verdict.kind === "allow-all") return;
    if (verdict.kind === "rules" && verdict.robot.isAllowed(url.href, this.userAgent) !== false) return;
    const why = verdict.kind === "disallow-all" ? verdict.why : "disallows it";
    throw policyDenied("robots", `${url.href} is not fetched: ${robotsUrl} ${why}`, { url: url.href, robotsUrl });
  }

  private verdictFor(origin: string): Promise<Verdict> {
    const cached = this.entries.get(origin);
    if (cached && cached.expiresAt > this.now()) return cached.verdict;
    const entry = { expiresAt: Number.POSITIVE_INFINITY, verdict: this.load(origin) };
    this.entries.delete(origin);
    this.entries.set(origin, entry);
    entry.verdict.then(
      (verdict) => {
        entry.expiresAt = this.now() + (verdict.kind === "disallow-all" ? this.unreachableTtlMs : this.ttlMs);
      },
      () => {
        if (this.entries.get(origin) === entry) this.entries.delete(origin);
      },
    );
    if (this.entries.size > MAX_ORIGINS) this.entries.delete(this.entries.keys().next().value!);
    return entry.verdict;
  }

  private async load(origin: string): Promise<Verdict> {
    const robotsUrl = new URL("/robots.txt", origin);
    let answer: RobotsAnswer;
    try {
      answer = await this.fetchRobots(robotsUrl);
    } catch (err) {
      // RFC 9309: past the redirects it follows, a crawler may take robots.txt as unavailable.
      if (err instanceof DomainError && err.code === "LIMIT_EXCEEDED" && err.details.limit === "redirects") {
        return { kind: "allow-all" };
      }
      throw err;
    }
    const { status } = answer;
    if (status >= 200 && status < 300) {
      return { kind: "rules", robot: robotsParser(robotsUrl.href, answer.body.toString("utf8")) };
    }
    if (status === 429 || status >= 500) return { kind: "disallow-all", why: `answered ${status}: all is disallowed` };
    return { kind: "allow-all" };
  }
}
