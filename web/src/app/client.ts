/**
 * The dashboard's connection to the API, made per API key: urql with graphcache (normalized by
 * id, the schema computed from schema.graphql at build time) for queries and mutations over
 * HTTP, and one graphql-ws socket for every subscription. The socket retries forever with
 * backoff; each stream re-sends its (updated) payload when it is back, so it resumes from the
 * last seq it saw (see stream.ts).
 */
import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { cacheExchange, type Cache } from "@urql/exchange-graphcache";
import { createClient, type Client as WsClient } from "graphql-ws";
import { embedded, schema } from "virtual:schema-data";
import { connection } from "./connection";

export interface Api {
  urql: Client;
  ws: WsClient;
  dispose(): void;
}

/** Close codes of the API's socket that retrying cannot fix: the key is not (any more) valid. */
const keyRefused = new Set([4401, 4403]);

const invalidateList = (field: string) => (_result: unknown, _args: unknown, cache: Cache) => {
  for (const f of cache.inspectFields("Query"))
    if (f.fieldName === field) cache.invalidate("Query", f.fieldName, f.arguments);
};

export function wsUrl(): string {
  return new URL("/graphql", location.href).toString().replace(/^http/, "ws");
}

export function createApi(key: string, onKeyRefused: () => void): Api {
  const authorization = `Bearer ${key}`;
  connection.reset();
  const ws = createClient({
    url: wsUrl(),
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    connectionParams: { authorization },
    shouldRetry: (event) => {
      const code = (event as { code?: number } | null)?.code;
      if (code !== undefined && keyRefused.has(code)) {
        onKeyRefused();
        return false;
      }
      return true;
    },
    // 0.3 s, 0.6 s, 1.2 s… up to 5 s, with jitter so many dashboards do not come back at once.
    retryWait: (retries) =>
      new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 300 * 2 ** retries) * (0.75 + Math.random() / 2))),
    on: {
      connecting: () => connection.connecting(),
      connected: () => connection.connected(),
      closed: () => connection.closed(),
    },
  });
  const urql = new Client({
    url: "/graphql",
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges: [
      cacheExchange({
        schema,
        keys: Object.fromEntries(embedded.map((name) => [name, () => null])),
        updates: {
          Mutation: {
            createTask: invalidateList("tasks"),
            delegateTask: invalidateList("tasks"),
            createAgent: invalidateList("agents"),
            createApiKey: invalidateList("apiKeys"),
            markNotificationsRead: (result, args, cache) => {
              invalidateList("notifications")(result, args, cache);
              // The header's bell (and the notifications view) ask the count again.
              cache.invalidate("Query", "unreadNotificationCount");
            },
            subscribeNotifications: invalidateList("notificationSubscriptions"),
            unsubscribeNotifications: invalidateList("notificationSubscriptions"),
          },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe({ query: request.query ?? "", variables: request.variables ?? {} }, sink),
          }),
        }),
      }),
    ],
  });
  return {
    urql,
    ws,
    dispose: () => void ws.dispose(),
  };
}
