import { z } from "zod";
import {
  DEFAULT_SEARCH_REGION,
  MAX_SEARCH_PAGE,
  MAX_SEARCH_QUERY_LENGTH,
  MAX_SEARCH_RESULTS,
  safeSearchLevels,
} from "../../../domain/research/search-terms.js";
import { named } from "../../api-shape.js";
import { defineTool, workspaceInput, type ToolPolicy } from "../../registry.js";

const safeSearch = named(
  "SafeSearch",
  z.enum(safeSearchLevels).describe("How strictly adult content is filtered out of the results."),
  {
    STRICT: "Filter adult content out strictly.",
    MODERATE: "Filter explicit results out (the default).",
    OFF: "No filtering.",
  },
);

const searchResult = named(
  "SearchResult",
  z
    .object({
      position: z
        .number()
        .int()
        .describe(
          "Rank among the search's results (1 = the first of page 1); for an ad, its rank among the page's ads.",
        ),
      title: z.string().describe("The result's title, as plain text."),
      url: z.string().describe("The page the result leads to (unwrapped from the engine's redirect)."),
      displayUrl: z.string().describe("The address as the engine shows it (shortened, without scheme)."),
      snippet: z.string().describe("The engine's extract of the page, as plain text; empty when it shows none."),
      ad: z.boolean().describe("An ad (only listed with includeAds)."),
    })
    .describe("One result of a web search."),
);

const searchResults = named(
  "SearchResults",
  z
    .object({
      query: z.string().describe("The query as sent: NFKC, trimmed, runs of whitespace as one space."),
      region: z.string().describe("The region searched (DuckDuckGo's kl, e.g. us-en; wt-wt: all regions)."),
      safeSearch,
      results: z.array(searchResult).describe("The page's results, in the engine's order (ads left out unless asked)."),
      page: z.number().int().describe("The page these results are (1 = the first)."),
      nextPage: z.number().int().nullable().describe("The next page's number, to pass as page; null on the last page."),
      cached: z
        .boolean()
        .describe("The page came from the cache (SEARCH_CACHE_TTL_SECONDS), without a request to the engine."),
    })
    .describe("A page of web search results (DuckDuckGo)."),
);

/** People with OPERATOR (or ADMIN) and agents: a search spends the shared rate limits and reaches the network. */
const searchPolicy: ToolPolicy = { roles: ["OPERATOR", "AGENT"], sandbox: false, network: true, readOnly: true };

export const webSearch = defineTool({
  id: "webSearch",
  description:
    "Search the web (DuckDuckGo): a page of results with title, URL, display URL and snippet. Pages are numbered from 1; pass nextPage as page for more. Repeated searches within the cache's lifetime are answered from the cache (cached: true). Fails with RATE_LIMITED or SEARCH_THROTTLED (with retryAfterSeconds) when searches must wait, and SEARCH_PARSE_FAILED when the engine's page cannot be read.",
  input: workspaceInput.extend({
    query: z
      .string()
      .min(1)
      .max(MAX_SEARCH_QUERY_LENGTH)
      .refine((q) => q.trim() !== "", "must not be empty")
      .describe(
        `What to search for, 1 to ${MAX_SEARCH_QUERY_LENGTH} characters (the engine's operators, such as site:, work).`,
      ),
    region: z
      .string()
      .regex(/^[a-z]{2}-[a-z]{2,3}$/, "must be a DuckDuckGo region such as us-en, de-de or wt-wt")
      .default(DEFAULT_SEARCH_REGION)
      .describe(
        `The region to search (DuckDuckGo's kl: us-en, de-de, …); default ${DEFAULT_SEARCH_REGION}, all regions.`,
      ),
    safeSearch: safeSearch.default("MODERATE").describe("How strictly adult content is filtered; default MODERATE."),
    page: z
      .number()
      .int()
      .min(1)
      .max(MAX_SEARCH_PAGE)
      .default(1)
      .describe(`The page, 1 to ${MAX_SEARCH_PAGE} (default 1); a page after the last one has no results.`),
    maxResults: z
      .number()
      .int()
      .min(1)
      .max(MAX_SEARCH_RESULTS)
      .default(10)
      .describe(`Return at most this many results of the page, 1 to ${MAX_SEARCH_RESULTS} (default 10).`),
    includeAds: z.boolean().default(false).describe("List the engine's ads too (marked ad: true); default false."),
  }),
  output: searchResults,
  policy: searchPolicy,
  execute: (ctx, input) =>
    ctx.deps.search.search(input, {
      caller: ctx.caller,
      workspace: ctx.workspace,
      toolCallId: ctx.toolCallId,
      signal: ctx.signal,
    }),
});
