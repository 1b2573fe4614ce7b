/**
 * The urql page: @urql/core's Client with its defaults (queries go as GET, without a content-type)
 * and the exchanges README's "From a web app" section lists, graphcache set up as it says.
 */
import { Client, fetchExchange, gql, subscriptionExchange, type Exchange, type OperationResult } from "@urql/core";
import { cacheExchange, type CacheExchangeOpts } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { persistedExchange } from "@urql/exchange-persisted";
import type { DocumentNode } from "graphql";
import { createClient } from "graphql-ws";
import { onEnd, pipe, subscribe } from "wonka";
import {
  page,
  recordingFetch,
  runControl,
  runFragmentControl,
  runWalkthrough,
  type ApiTarget,
  type ClientAdapter,
  type RecordedRequest,
  type RecordedResult,
  type Sink,
  type Variables,
} from "./walkthrough.js";
// README's script's schema.json: computed from schema.graphql when the page is bundled.
import * as schemaData from "./schema-data.js";

/**
 * README's graphcache settings, word for word (a test compares them): the schema (so fragments
 * on interfaces and unions match for sure) and the types without an id, embedded in their parent
 * (connections, edges and PageInfo are, without being named). A control leaves out the schema.
 */
const embedded = [
  "Bibliography",
  "ChannelParticipant",
  "ChildTaskOutcome",
  "CommandOutputChunk",
  "CommandUsage",
  "ConversationMessage",
  "CreatedApiKey",
  "DelegateTaskResult",
  "DeletedFile",
  "DocumentTable",
  "ErrorDetails",
  "Extraction",
  "FileContent",
  "FileEntry",
  "FileList",
  "FileLock",
  "FileUnlockResult",
  "FileWriteResult",
  "GitBranch",
  "GitBranches",
  "GitCloneResult",
  "GitCommitResult",
  "GitDiff",
  "GitHubCommentResult",
  "GitHubItem",
  "GitHubItemPage",
  "GitHubLabelsResult",
  "GitHubMergeResult",
  "GitHubReviewersResult",
  "GitLog",
  "GitLogEntry",
  "GitPerson",
  "GitPushResult",
  "GitStatus",
  "GitStatusEntry",
  "LinkDetails",
  "MessageDetails",
  "NotificationFilter",
  "PackageInstallResult",
  "Page",
  "PageLink",
  "ProgressDetails",
  "PythonResult",
  "ReadMessagesResult",
  "ReportArtifact",
  "ResearchFailure",
  "ResearchResult",
  "SearchResult",
  "SearchResults",
  "SecretsKeyRotation",
  "SendEmailResult",
  "StatusChangeDetails",
  "TaskLink",
  "TaskProgress",
  "TaskTreeNode",
  "ToolCallDetails",
  "ToolOutputDetails",
  "Traceback",
  "TracebackFrame",
  "UnreadableSecret",
  "Usage",
  "UsageReportRow",
  "WaitForTasksResult",
];
const readmeCache = ({ schema }: Pick<CacheExchangeOpts, "schema"> = schemaData) =>
  cacheExchange({
    schema,
    keys: Object.fromEntries(embedded.map((type) => [type, () => null])),
    resolvers: { Query: { tasks: relayPagination(), agents: relayPagination(), toolCalls: relayPagination() } },
  });

const documents = new Map<string, DocumentNode>();
const parsed = (text: string): DocumentNode => {
  let document = documents.get(text);
  if (!document) documents.set(text, (document = gql(text) as DocumentNode));
  return document;
};
const nameOf = (text: string) => /^\w+ (\w+)/.exec(text)?.[1] ?? "";

interface Log {
  results: RecordedResult[];
  requests: RecordedRequest[];
}

function urqlClient(target: ApiTarget, key: string, log: Log, cache: Exchange) {
  const authorization = `Bearer ${key}`;
  const wsClient = createClient({ url: target.wsUrl, connectionParams: { authorization } });
  const client = new Client({
    url: target.httpUrl,
    fetchOptions: { headers: { authorization } },
    fetch: recordingFetch(log.requests),
    exchanges: [
      cache,
      persistedExchange(),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: wsClient.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
  });
  return { client, wsClient };
}

function adapter(target: ApiTarget, key: string, log: Log, cache = readmeCache()): ClientAdapter {
  const { client, wsClient } = urqlClient(target, key, log, cache);
  const settle = <T>(text: string, result: OperationResult): T => {
    const ok = result.error === undefined && result.data != null;
    log.results.push({ operationName: nameOf(text), ok, extensions: result.extensions ?? null });
    if (result.error) throw result.error;
    return result.data as T;
  };
  return {
    async query<T>(document: string, variables: Variables, fresh = false) {
      const requestPolicy = fresh ? "network-only" : "cache-first";
      return settle<T>(document, await client.query(parsed(document), variables, { requestPolicy }).toPromise());
    },
    async mutate<T>(document: string, variables: Variables) {
      return settle<T>(document, await client.mutation(parsed(document), variables).toPromise());
    },
    subscribe<T>(document: string, variables: Variables, sink: Sink<T>) {
      const { unsubscribe } = pipe(
        client.subscription(parsed(document), variables),
        onEnd(() => sink.complete()),
        subscribe((result: OperationResult) => {
          if (result.error) sink.error(result.error);
          // At its end urql repeats the last result with hasNext: false (README says to skip it).
          else if (result.hasNext !== false) sink.next(result.data as T);
        }),
      );
      return unsubscribe;
    },
    async failingQuery(document: string, variables: Variables) {
      const result = await client.query(parsed(document), variables, { requestPolicy: "network-only" }).toPromise();
      return {
        graphQLErrorCodes: result.error?.graphQLErrors.map((e) => e.extensions?.code) ?? [],
        networkError: result.error?.networkError !== undefined,
        data: result.data ?? null,
      };
    },
    dispose() {
      void wsClient.dispose();
    },
  };
}

page.clientApp = {
  async walkthrough(target) {
    const log: Log = { results: [], requests: [] };
    const api = adapter(target, target.key, log);
    const wrongKey = adapter(target, "ak_wrong-key-for-this-test", log);
    try {
      return await runWalkthrough(api, wrongKey, log);
    } finally {
      api.dispose();
      wrongKey.dispose();
    }
  },
  async readUsageTwice(target, settings) {
    const cache = settings === "readme" ? readmeCache() : cacheExchange();
    const api = adapter(target, target.key, { results: [], requests: [] }, cache);
    try {
      await runControl(api);
    } finally {
      api.dispose();
    }
  },
  async readFragments(target, settings) {
    const cache = settings === "readme" ? readmeCache() : readmeCache({});
    const api = adapter(target, target.key, { results: [], requests: [] }, cache);
    try {
      await runFragmentControl(api);
    } finally {
      api.dispose();
    }
  },
};
