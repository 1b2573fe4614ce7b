import { badInput } from "../errors.js";
import { isId } from "../ids.js";
import type { CitationRecord, SourceRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import type { SourceStore } from "./source.store.js";

/** The most sources or citations one `task { sources citations }` list returns. */
export const MAX_SOURCE_LIST = 500;

/** The length caps of what a source or citation keeps (longer values are cut, never refused). */
export const sourceLimits = {
  url: 4096,
  title: 500,
  author: 200,
  authors: 20,
  siteName: 200,
  contentType: 100,
  claim: 2_000,
  quote: 2_000,
  problem: 1_000,
} as const;

const cut = (value: string, max: number): string => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);

/** A source as stored: its strings held to their caps (a page may have a 10 KB title). */
export function boundedSource(s: SourceRecord): SourceRecord {
  return {
    ...s,
    url: cut(s.url, sourceLimits.url),
    finalUrl: cut(s.finalUrl, sourceLimits.url),
    title: cut(s.title, sourceLimits.title),
    authors: s.authors.slice(0, sourceLimits.authors).map((a) => cut(a, sourceLimits.author)),
    siteName: s.siteName === null ? null : cut(s.siteName, sourceLimits.siteName),
    contentType: cut(s.contentType, sourceLimits.contentType),
  };
}

/** A citation as stored, its strings held to their caps. */
export function boundedCitation(c: CitationRecord): CitationRecord {
  return {
    ...c,
    claim: cut(c.claim, sourceLimits.claim),
    quote: cut(c.quote, sourceLimits.quote),
    problem: c.problem === null ? null : cut(c.problem, sourceLimits.problem),
  };
}

const listSize = (first: number | null | undefined): number => {
  const n = first ?? 100;
  if (!Number.isInteger(n) || n < 0 || n > MAX_SOURCE_LIST) {
    throw badInput("first", `must be between 0 and ${MAX_SOURCE_LIST}`);
  }
  return n;
};

/**
 * A task's sources and citations: what research and addSource store, and what `task { sources
 * citations }` lists. Rows are written in one transaction per call, so a reader sees all of a
 * call's sources or none.
 */
export class SourceService {
  constructor(
    private readonly deps: Deps,
    private readonly store: SourceStore,
  ) {}

  /** Stores sources together (one transaction). */
  async addSources(sources: readonly SourceRecord[]): Promise<SourceRecord[]> {
    const rows = sources.map(boundedSource);
    if (rows.length > 0) await this.deps.transact((tx) => this.store.insertSources(tx, rows));
    return rows;
  }

  /** Stores one research run's citations together (one transaction). */
  async addCitations(citations: readonly CitationRecord[]): Promise<CitationRecord[]> {
    const rows = citations.map(boundedCitation);
    if (rows.length > 0) await this.deps.transact((tx) => this.store.insertCitations(tx, rows));
    return rows;
  }

  ofTask(taskId: string, first?: number | null): Promise<SourceRecord[]> {
    const limit = listSize(first);
    return isId(taskId) && limit > 0 ? this.store.sourcesOfTask(taskId, limit) : Promise.resolve([]);
  }

  countOfTask(taskId: string): Promise<number> {
    return isId(taskId) ? this.store.countSources(taskId) : Promise.resolve(0);
  }

  citationsOfTask(taskId: string, researchId?: string | null, first?: number | null): Promise<CitationRecord[]> {
    const limit = listSize(first);
    if (researchId !== null && researchId !== undefined && !isId(researchId)) {
      throw badInput("researchId", "is not an id");
    }
    return isId(taskId) && limit > 0
      ? this.store.citationsOfTask(taskId, researchId ?? null, limit)
      : Promise.resolve([]);
  }

  /** Sources by id, in the order asked (missing ones left out). */
  async byIds(ids: readonly string[]): Promise<SourceRecord[]> {
    const wanted = [...new Set(ids.filter(isId))];
    if (wanted.length === 0) return [];
    const found = new Map((await this.store.sourcesByIds(wanted)).map((s) => [s.id, s]));
    return wanted.map((id) => found.get(id)).filter((s): s is SourceRecord => s !== undefined);
  }
}
