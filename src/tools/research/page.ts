/**
 * One web document, fetched through the guarded fetcher and extracted: what fetchPage, extract (of
 * a URL), addSource and research all start from. An HTTP error status is FETCH_FAILED with reason
 * "status"; a document with no readable text is FETCH_FAILED with reason "empty" where a text is
 * needed (a source).
 */
import { DomainError } from "../../domain/errors.js";
import { extract } from "./extract/lazy.js";
import type { Extracted } from "./extract/extracted.js";
import type { FetchedPage, GuardedFetcher } from "./fetcher.js";

export interface ReadDocument {
  fetched: FetchedPage;
  doc: Extracted;
}

/** FETCH_FAILED for an answer whose status is not a success (2xx). */
export const statusFailed = (page: Pick<FetchedPage, "status" | "finalUrl" | "url">) =>
  new DomainError("FETCH_FAILED", `${page.finalUrl} answered HTTP ${page.status}`, {
    reason: "status",
    status: page.status,
    url: page.url,
    finalUrl: page.finalUrl,
  });

/** FETCH_FAILED for a document that holds no readable text (a source needs one). */
export const emptyDocument = (url: string) =>
  new DomainError("FETCH_FAILED", `${url} has no readable text`, { reason: "empty", url });

/** Fetches `url` (loaded in Chromium when `render`) and extracts it. */
export async function readDocument(
  fetcher: GuardedFetcher,
  url: string,
  opts: { render?: boolean; signal?: AbortSignal } = {},
): Promise<ReadDocument> {
  const fetched = opts.render
    ? await fetcher.render(url, { signal: opts.signal })
    : await fetcher.fetch(url, { signal: opts.signal });
  if (fetched.status < 200 || fetched.status > 299) throw statusFailed(fetched);
  const doc = await extract(
    { body: fetched.body, contentType: fetched.contentType, charset: fetched.charset, url: fetched.finalUrl },
    { signal: opts.signal },
  );
  return { fetched, doc };
}

/** A publication time the extraction gave, as a date (null when absent or not a date). */
export function publishedDate(publishedAt: string | null): Date | null {
  if (!publishedAt) return null;
  const d = new Date(publishedAt);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The authors a byline names: "A, B and C" → three; one name stays one. */
export function authorsOf(byline: string | null): string[] {
  if (!byline) return [];
  const clean = byline
    .replace(/^\s*(written\s+)?by\s+/i, "")
    .replace(/\s+/g, " ")
    .trim();
  if (!clean) return [];
  // "Family, Given" is one name; "A, B and C" (more than one comma or an "and") are several.
  const parts = clean.split(/\s*(?:;|,|\band\b|&)\s*/i).filter((p) => p !== "");
  const oneName = /^[^,]+,\s*[^,\s]+$/.test(clean) && !/\band\b|&|;/.test(clean);
  return oneName || parts.length <= 1 ? [clean] : parts;
}
