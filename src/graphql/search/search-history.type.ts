import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  safeSearchLevels,
  searchOutcomes,
  type SafeSearch,
  type SearchOutcome,
} from "../../domain/research/search-terms.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

/** Also the webSearch tool's enum: the tools' generator takes the API's type of the same name. */
export const SafeSearchEnum = asEnum(safeSearchLevels);
export const SearchOutcomeEnum = asEnum(searchOutcomes);

registerEnumType(SafeSearchEnum, {
  name: "SafeSearch",
  description: "How strictly adult content is filtered out of the results.",
  valuesConfig: {
    STRICT: { description: "Filter adult content out strictly." },
    MODERATE: { description: "Filter explicit results out (the default)." },
    OFF: { description: "No filtering." },
  },
});

const outcomeMeanings: Record<SearchOutcome, string> = {
  OK: "Results were returned (from the cache or the engine).",
  THROTTLED: "The engine refused (its anomaly page), or its backoff was still running (SEARCH_THROTTLED).",
  RATE_LIMITED: "Over a rate limit after the longest allowed wait (RATE_LIMITED).",
  PARSE_FAILED: "The engine's page had an unexpected structure (SEARCH_PARSE_FAILED).",
  FETCH_FAILED: "The engine could not be reached or answered an HTTP error (FETCH_FAILED).",
  POLICY_DENIED: "The guarded fetcher refused the engine's address (POLICY_DENIED).",
  LIMIT_EXCEEDED: "The engine's answer passed a cap of the fetcher: size or time (LIMIT_EXCEEDED).",
  CANCELLED: "The tool call was cancelled while it waited or fetched.",
  FAILED: "Any other failure (its message is errorMessage).",
};

registerEnumType(SearchOutcomeEnum, {
  name: "SearchOutcome",
  description: "How a web search ended.",
  valuesConfig: Object.fromEntries(searchOutcomes.map((o) => [o, { description: outcomeMeanings[o] }])),
});

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "One web search (webSearch), hit or miss, success or failure, as the search history keeps it.",
})
export class SearchHistoryEntry {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => ID, { description: "The task whose workspace the search was made in." })
  taskId!: string;

  @Field(() => ID, { description: "The workspace the search was made in." })
  workspaceId!: string;

  @Field(() => ID, { description: "The agent of that workspace." })
  agentId!: string;

  @Field(() => ID, { nullable: true, description: "The tool call that made the search (see toolCall)." })
  toolCallId!: string | null;

  @Field(() => String, { description: "The API key (or agent) that called." })
  callerName!: string;

  @Field(() => String, { description: "The query as sent: NFKC, trimmed, runs of whitespace as one space." })
  query!: string;

  @Field(() => String, { description: "The region searched (DuckDuckGo's kl, e.g. us-en; wt-wt: all regions)." })
  region!: string;

  @Field(() => SafeSearchEnum, { description: "The safe-search level asked for." })
  safeSearch!: SafeSearch;

  @Field(() => Int, { description: "The page asked for (1 = the first)." })
  page!: number;

  @Field(() => Int, {
    description: "Results returned (ads left out unless asked, at most maxResults); 0 for a failure.",
  })
  resultCount!: number;

  @Field(() => Boolean, { description: "The page came from the cache, without a request to the engine." })
  cacheHit!: boolean;

  @Field(() => Int, {
    description: "Requests made to the engine: 0 for a hit, more than 1 when earlier pages were searched first.",
  })
  engineRequests!: number;

  @Field(() => Int, { description: "Milliseconds from the call to its answer, waits for a turn included." })
  latencyMs!: number;

  @Field(() => SearchOutcomeEnum, { description: "How the search ended." })
  outcome!: SearchOutcome;

  @Field(() => String, { nullable: true, description: "The error's message for a failure; null for OK." })
  errorMessage!: string | null;

  @Field(() => Date, { description: "When the search ended." })
  createdAt!: Date;
}

export const { Connection: SearchHistoryConnection } = connectionTypes("SearchHistory", SearchHistoryEntry);

@InputType({ description: "Which searches to list: those that match every field given." })
export class SearchHistoryFilter {
  @Field(() => ID, { nullable: true, description: "Only the searches made in this task's workspace." })
  taskId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only the searches made in this agent's workspaces." })
  agentId?: string | null;

  @Field(() => Date, { nullable: true, description: "Only searches made at or after this time." })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: "Only searches made before this time." })
  to?: Date | null;
}
