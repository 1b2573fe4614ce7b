import type { IncomingMessage, Server } from "node:http";
import {
  GraphQLError,
  parse,
  execute,
  specifiedRules,
  validate,
  getOperationAST,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from "graphql";
import { CloseCode, type Context as WsContext } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Principal } from "../domain/auth/principal.js";
import type { AppServices as Services } from "../services.js";
import type { PubSub } from "../infra/pubsub/pubsub.js";
import { createContext, type Context } from "../graphql/context.js";
import { createErrorFormatter } from "../graphql/errors.js";
import type { IntrospectionMode } from "../config.js";
import {
  checkQueryLength,
  limitError,
  queryLimitsRule,
  costOf,
  costLimitOf,
  usesIntrospection,
  type QueryLimits,
} from "../graphql/protections.js";
import { principalFrom } from "../http/identity.js";
import { introspectionRefusal } from "../http/server.js";
import { requestIdFrom } from "../graphql/request-context.js";
import type { AppLogger } from "../logger.js";
import { createSharedSubscribe } from "./shared-subscribe.js";
import { tracedWsOperation } from "../telemetry/graphql-spans.js";
import { rateLimitedError, type RateLimiter } from "../infra/rate-limit.js";
import type { Metrics, WsOperationLabels } from "../metrics/metrics.js";

export interface WsOptions {
  server: Server;
  schema: GraphQLSchema;
  services: Services;
  pubsub: PubSub;
  logger: AppLogger;
  limits: QueryLimits;
  /** Who may introspect the schema (INTROSPECTION). */
  introspection: IntrospectionMode;
  maxSubscriptionsPerSocket: number;
  maxPayloadBytes: number;
  connectionInitTimeoutMs: number;
  /** API_RATE_LIMIT: every subscribe message counts against the socket's key; absent: no limit. */
  rateLimiter?: RateLimiter;
  /** METRICS_PORT: operations and errors over WebSocket are counted; absent: nothing is. */
  metrics?: Metrics;
}

type Extra = {
  socket: WebSocket;
  request: IncomingMessage;
  principal?: Principal;
  connectionId?: string;
  /** Root field of each subscription on this socket, by operation id (for the metrics). */
  fields?: Map<string, string>;
  /** Name and type of each operation on this socket, by id (for the metrics' error counts). */
  ops?: Map<string, WsOperationLabels>;
};

export interface WsHandle {
  /** Number of open, authenticated sockets. */
  readonly connections: number;
  /** Active subscriptions on this server's sockets, by root field name (for /metrics). */
  subscriptionsByField(): Map<string, number>;
  /** Closes every socket with 1001 (going away) and stops accepting. */
  close(): Promise<void>;
}

/**
 * The close codes this server sends, named once: graphql-ws's own for the protocol's cases, and
 * the WebSocket standard's for the rest.
 */
export const WsCloseCode = {
  /** The server is stopping (RFC 6455). */
  GoingAway: 1001,
  /** A message over the size limit (RFC 6455; sent by ws itself). */
  MessageTooBig: 1009,
  /** No or no valid API key in connection_init. */
  Unauthorized: CloseCode.Unauthorized,
  /** The key was revoked while the socket was open. */
  Forbidden: CloseCode.Forbidden,
  /** No connection_init within the time allowed (sent by graphql-ws). */
  ConnectionInitTimeout: CloseCode.ConnectionInitialisationTimeout,
} as const;

/** An operation's labels, kept from its start (when its type is known) for its errors. */
function labelsOf(
  ctx: WsContext<Record<string, unknown>, Extra>,
  id: string,
  name: string | null | undefined,
  type?: string,
): WsOperationLabels {
  const known = ctx.extra.ops?.get(id);
  if (known) return known;
  const labels = { name, type };
  if (type) (ctx.extra.ops ??= new Map()).set(id, labels);
  return labels;
}

const codesOf = (errors: readonly GraphQLError[]): unknown[] => errors.map((e) => e.extensions?.code);

/**
 * Plugs graphql-ws (protocol graphql-transport-ws) into the HTTP server on /graphql.
 * Authentication happens in connection_init; every operation gets the same limits as HTTP;
 * a revoked key's sockets are closed at once, in this process and (through the bus) in others.
 */
export function attachWebSocket(opts: WsOptions): WsHandle {
  const { services, logger, limits } = opts;
  const wss = new WebSocketServer({ server: opts.server, path: "/graphql", maxPayload: opts.maxPayloadBytes });
  const byKey = new Map<string, Set<WebSocket>>();
  const formatter = createErrorFormatter(logger);
  const rules = [...specifiedRules, queryLimitsRule(limits)];
  const parsed = new Map<string, DocumentNode>();
  const contexts = new Set<WsContext<Record<string, unknown>, Extra>>();

  const format = (errors: readonly GraphQLError[], requestId?: string) =>
    errors.map((e) => formatter(e.toJSON(), e, requestId));

  const sharedSubscribe = createSharedSubscribe();
  const requestIdOf = (args: ExecutionArgs) => (args.contextValue as Context).requestId;

  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema: opts.schema,
      // Each operation in a span and a log context of its own (its request id: <connection>/<operation>).
      execute: (args) => tracedWsOperation(args, requestIdOf(args), () => execute(args)),
      subscribe: (args) => tracedWsOperation(args, requestIdOf(args), () => sharedSubscribe(args)),
      connectionInitWaitTimeout: opts.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        ctx.extra.connectionId = requestIdFrom(ctx.extra.request.headers["x-request-id"]);
        const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        let principal: Principal | null = null;
        try {
          principal = await principalFrom(auth ?? "", services.apiKeys);
        } catch {
          principal = null;
        }
        if (!principal) {
          ctx.extra.socket.close(WsCloseCode.Unauthorized, "Unauthorized: a valid API key is required");
          return false;
        }
        ctx.extra.principal = principal;
        contexts.add(ctx);
        let set = byKey.get(principal.apiKeyId);
        if (!set) byKey.set(principal.apiKeyId, (set = new Set()));
        set.add(ctx.extra.socket);
        return true;
      },
      onSubscribe: async (
        ctx: WsContext<Record<string, unknown>, Extra>,
        _id,
        payload,
      ): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        // Over the limit: this operation gets the typed error; the socket and its other operations stay.
        const key = ctx.extra.principal?.apiKeyId;
        if (key && opts.rateLimiter) {
          const decision = await opts.rateLimiter.hit(key);
          if (!decision.allowed) return [rateLimitedError(decision.retryAfterSeconds)];
        }
        if (Object.keys(ctx.subscriptions).length > opts.maxSubscriptionsPerSocket) {
          return [
            limitError(
              "subscriptionsPerSocket",
              `At most ${opts.maxSubscriptionsPerSocket} operations may run at once on one connection`,
              opts.maxSubscriptionsPerSocket,
            ),
          ];
        }
        const tooLong = checkQueryLength(payload.query, limits);
        if (tooLong) return [tooLong];
        let document = parsed.get(payload.query);
        if (!document) {
          try {
            document = parse(payload.query, { maxTokens: limits.maxTokens });
          } catch (err) {
            const e = err instanceof GraphQLError ? err : new GraphQLError(String(err));
            return [
              new GraphQLError(e.message, {
                nodes: e.nodes,
                source: e.source,
                positions: e.positions,
                extensions: { code: "GRAPHQL_PARSE_FAILED" },
              }),
            ];
          }
          const errors = validate(opts.schema, document, rules);
          if (errors.length > 0) {
            return errors.map(
              (e) =>
                new GraphQLError(e.message, {
                  nodes: e.nodes,
                  source: e.source,
                  positions: e.positions,
                  extensions: { code: "GRAPHQL_VALIDATION_FAILED", ...e.extensions },
                }),
            );
          }
          if (parsed.size > 1_000) parsed.clear();
          parsed.set(payload.query, document);
        }
        if (usesIntrospection(document)) {
          const refusal = introspectionRefusal(opts.introspection, ctx.extra.principal != null);
          if (refusal) return [refusal];
        }
        const operationAst = getOperationAST(document, payload.operationName);
        if (operationAst?.operation === "subscription") {
          // The field's name, not its alias: names are bounded by the schema, aliases are user text.
          const first = operationAst.selectionSet.selections[0];
          (ctx.extra.fields ??= new Map()).set(_id, first?.kind === Kind.FIELD ? first.name.value : "other");
        }
        if (!operationAst) {
          return [
            new GraphQLError("Unable to identify the operation to run", {
              extensions: { code: "OPERATION_RESOLUTION_FAILURE" },
            }),
          ];
        }
        opts.metrics?.wsOperation(labelsOf(ctx, _id, operationAst.name?.value, operationAst.operation));
        return {
          schema: opts.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: createContext(
            services,
            ctx.extra.principal ?? null,
            `${ctx.extra.connectionId ?? "ws"}/${_id}`,
          ),
        };
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        // A query's or mutation's answer says what it cost (as over HTTP); a subscription's
        // events do not repeat it (its cost was checked when it started).
        const operation = getOperationAST(args.document, args.operationName);
        const cost =
          operation && operation.operation !== "subscription"
            ? {
                cost: {
                  requested: costOf(opts.schema, args.document, operation, limits),
                  maximum: costLimitOf(opts.schema, args.document, limits),
                },
              }
            : null;
        if (result.errors?.length)
          opts.metrics?.wsErrors(labelsOf(_ctx, _id, args.operationName), codesOf(result.errors));
        if (!cost && (!result.errors || result.errors.length === 0)) return undefined;
        return {
          ...result,
          ...(result.errors?.length ? { errors: format(result.errors, (args.contextValue as Context).requestId) } : {}),
          ...(cost ? { extensions: { ...result.extensions, ...cost } } : {}),
        } as never;
      },
      onError: (ctx, id, payload, errors) => {
        opts.metrics?.wsErrors(labelsOf(ctx, id, payload.operationName), codesOf(errors));
        return format(errors, `${ctx.extra.connectionId ?? "ws"}/${id}`) as never;
      },
      onComplete: (ctx, id) => {
        ctx.extra.fields?.delete(id);
        ctx.extra.ops?.delete(id);
      },
      onClose: (ctx) => {
        contexts.delete(ctx);
        const p = ctx.extra.principal;
        if (p) byKey.get(p.apiKeyId)?.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  // graphql-ws reports a socket's 'error' with console.error and a stack, as if the server
  // were at fault. These come from the client (a frame over maxPayload, invalid UTF-8 …) and
  // ws has already closed the socket with the matching code (1009, 1007 …): log one line.
  // Registered after useServer's own "connection" listener, so its handler is the one replaced.
  wss.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (err: Error & { code?: string }) =>
      logger.warn({ code: err.code, reason: err.message }, "WebSocket closed on a protocol error"),
    );
  });

  const unsubscribe = opts.pubsub.subscribe("API_KEY_REVOKED", ({ apiKeyId }) => {
    const set = byKey.get(apiKeyId);
    if (!set) return;
    byKey.delete(apiKeyId);
    for (const s of set) s.close(WsCloseCode.Forbidden, "Forbidden: the API key was revoked");
  });

  return {
    get connections() {
      let n = 0;
      for (const s of byKey.values()) n += s.size;
      return n;
    },
    subscriptionsByField() {
      const counts = new Map<string, number>();
      for (const ctx of contexts) {
        const fields = ctx.extra.fields;
        if (!fields) continue;
        // ctx.subscriptions holds the operations running now (onComplete forgets ended ones).
        for (const [id, field] of fields) {
          // null: accepted, not yet running (graphql-ws sets the iterator once it is).
          if (ctx.subscriptions[id]) counts.set(field, (counts.get(field) ?? 0) + 1);
        }
      }
      return counts;
    },
    async close() {
      unsubscribe();
      await disposable.dispose();
    },
  };
}
