/**
 * The Apollo Client 4 page: the client as README's "From a web app" section sets it up (bundled
 * with the `development` export condition, so Apollo runs in development mode and warns).
 */
import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  gql,
  split,
  type PossibleTypesMap,
} from "@apollo/client";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { relayStylePagination } from "@apollo/client/utilities";
import type { DocumentNode } from "graphql";
import { createClient } from "graphql-ws";
import { tap } from "rxjs";
import {
  page,
  recordingFetch,
  runControl,
  runFragmentControl,
  runWalkthrough,
  sha256,
  type ApiTarget,
  type ClientAdapter,
  type RecordedRequest,
  type RecordedResult,
  type Sink,
  type Variables,
} from "./walkthrough.js";
// README's script's possible-types.json: computed from schema.graphql when the page is bundled.
import * as schemaData from "./schema-data.js";

/**
 * README's cache settings for Apollo Client, word for word (a test compares them); a control
 * leaves out `possibleTypes`.
 */
const readmeCache = ({ possibleTypes }: { possibleTypes?: PossibleTypesMap } = schemaData) =>
  new InMemoryCache({
    possibleTypes,
    typePolicies: {
      Query: {
        fields: {
          tasks: relayStylePagination(["filter"]),
          agents: relayStylePagination(["filter"]),
          toolCalls: relayStylePagination(["taskId"]),
        },
      },
      Usage: { merge: true },
      CommandUsage: { merge: true },
    },
  });

const documents = new Map<string, DocumentNode>();
const parsed = (text: string): DocumentNode => {
  let document = documents.get(text);
  if (!document) documents.set(text, (document = gql(text)));
  return document;
};

interface Log {
  results: RecordedResult[];
  requests: RecordedRequest[];
}

function apolloClient(target: ApiTarget, key: string, log: Log, cache: InMemoryCache) {
  const authorization = `Bearer ${key}`;
  const wsClient = createClient({ url: target.wsUrl, connectionParams: { authorization } });
  const http = createPersistedQueryLink({ sha256 }).concat(
    new HttpLink({ uri: target.httpUrl, headers: { authorization }, fetch: recordingFetch(log.requests) }),
  );
  // What the app receives of each answer, extensions included (queries' results do not carry them).
  const results = new ApolloLink((operation, forward) =>
    forward(operation).pipe(
      tap((result) => {
        if (operation.operationType === "subscription") return;
        const ok = "data" in result && result.data != null && !result.errors?.length;
        log.results.push({ operationName: operation.operationName ?? "", ok, extensions: result.extensions ?? null });
      }),
    ),
  );
  const link = results.concat(
    split(({ operationType }) => operationType === "subscription", new GraphQLWsLink(wsClient), http),
  );
  return { client: new ApolloClient({ link, cache }), wsClient };
}

function adapter(target: ApiTarget, key: string, log: Log, cache = readmeCache()): ClientAdapter {
  const { client, wsClient } = apolloClient(target, key, log, cache);
  return {
    async query<T>(document: string, variables: Variables, fresh = false) {
      const { data } = await client.query<T>({
        query: parsed(document),
        variables,
        fetchPolicy: fresh ? "network-only" : "cache-first",
      });
      if (data === undefined) throw new Error("query without data");
      return data;
    },
    async mutate<T>(document: string, variables: Variables) {
      const { data } = await client.mutate<T>({ mutation: parsed(document), variables });
      if (data === undefined) throw new Error("mutation without data");
      return data;
    },
    subscribe<T>(document: string, variables: Variables, sink: Sink<T>) {
      const subscription = client.subscribe<T>({ query: parsed(document), variables }).subscribe({
        next: (result) => (result.error ? sink.error(result.error) : sink.next(result.data as T)),
        error: (e: unknown) => sink.error(e),
        complete: () => sink.complete(),
      });
      return () => subscription.unsubscribe();
    },
    async failingQuery(document: string, variables: Variables) {
      try {
        const { data } = await client.query({ query: parsed(document), variables, fetchPolicy: "network-only" });
        return { graphQLErrorCodes: [], networkError: false, data };
      } catch (e) {
        if (CombinedGraphQLErrors.is(e)) {
          return {
            graphQLErrorCodes: e.errors.map((x) => x.extensions?.code),
            networkError: false,
            data: e.data ?? null,
          };
        }
        return { graphQLErrorCodes: [], networkError: true, data: String(e) };
      }
    },
    dispose() {
      client.stop();
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
    const cache = settings === "readme" ? readmeCache() : new InMemoryCache();
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
