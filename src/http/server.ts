import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { GraphQLError, Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { AppServices as Services } from "../services.js";
import { createContext, type Context } from "../graphql/context.js";
import { createErrorFormatter } from "../graphql/errors.js";
import type { CorsOrigins, IntrospectionMode } from "../config.js";
import {
  checkQueryLength,
  costOf,
  costLimitOf,
  queryLimitsRule,
  usesIntrospection,
  type QueryLimits,
} from "../graphql/protections.js";
import { createCors } from "./cors.js";
import type { AppLogger } from "../logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { metricsPlugin } from "../metrics/graphql-plugin.js";
import type { FileRouteHandler } from "./files.js";
import type { WebhookRouteHandler } from "./webhooks.js";
import { principalFrom } from "./identity.js";
import type { DashboardHandler } from "./dashboard.js";
import { serveGraphiql } from "./graphiql.js";
import { requestIdFrom, tagErrorRequest, type RequestInfo } from "../graphql/request-context.js";
import { rateLimitedError, type RateLimiter } from "../infra/rate-limit.js";
import { withLogContext } from "../telemetry/log-context.js";
import { tracedGraphqlRequest, tracingPlugin } from "../telemetry/graphql-spans.js";
import type { SpanHandle } from "../telemetry/tracing.js";

export interface HttpAppOptions {
  schema: GraphQLSchema;
  services: Services;
  logger: AppLogger;
  limits: QueryLimits;
  /** Who may introspect the schema (INTROSPECTION). */
  introspection: IntrospectionMode;
  /** Origins whose pages may call the API from a browser (CORS_ORIGINS). */
  corsOrigins: CorsOrigins;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  readiness: () => Promise<{ ready: boolean; checks: Record<string, unknown> }>;
  /** PUT/GET /workspaces/:id/files/<path>; absent: those routes answer 404. */
  files?: FileRouteHandler;
  /** POST /webhooks/github (GitHub's deliveries, signed); absent: 404. */
  webhooks?: WebhookRouteHandler;
  /** The dashboard at / (its assets and app paths); absent: / redirects to GraphiQL. */
  dashboard?: DashboardHandler;
  /** API_RATE_LIMIT: counts each request of a valid key; absent: no limit (and no counting). */
  rateLimiter?: RateLimiter;
  /** Counts operations, durations and errors (METRICS_PORT set); absent: nothing is counted. */
  metrics?: Metrics;
  /** Traces on (OTEL_EXPORTER_OTLP_ENDPOINT): each operation's span is named and its errors recorded. */
  traces?: boolean;
}

export interface HttpApp {
  server: Server;
  apollo: ApolloServer<Context>;
  start(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (up to the deadline), then closes sockets. */
  stop(deadline: number): Promise<void>;
}

/**
 * The operation a refused request named, for metrics only: its operationName, else the first
 * operation's keyword and name in the query text (read with a regex; the document is not parsed).
 */
function operationOf(body: unknown, url: URL): { name: unknown; type: string | null } {
  const b = body && typeof body === "object" ? (body as { operationName?: unknown; query?: unknown }) : {};
  const query = typeof b.query === "string" ? b.query : url.searchParams.get("query");
  const head = /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(query?.slice(0, 300) ?? "");
  return { name: b.operationName ?? url.searchParams.get("operationName") ?? head?.[2], type: head?.[1] ?? null };
}

/** Puts the operation name on the request's log line and the request id on its errors. */
const operationLogPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didResolveOperation(rc) {
        if (rc.contextValue.request)
          rc.contextValue.request.operationName = rc.operationName ?? rc.operation?.operation;
      },
      async didEncounterErrors(rc) {
        for (const e of rc.errors) tagErrorRequest(e, rc.contextValue.requestId);
      },
    };
  },
};

/**
 * Introspection (`__schema`, `__type`) by key holders only (the default), by anyone, or by no one.
 * It counts against the query limits like any query (protections.ts). Over HTTP every refusal is
 * a GraphQL error in a 200 answer, as for any other error of a well-formed request.
 */
export function introspectionRefusal(mode: IntrospectionMode, authenticated: boolean): GraphQLError | null {
  if (mode === "public" || (mode === "authenticated" && authenticated)) return null;
  if (mode === "off") {
    return new GraphQLError("Introspection is turned off on this server (INTROSPECTION=off)", {
      extensions: { code: "FORBIDDEN", http: { status: 200 } },
    });
  }
  return new GraphQLError(
    "Introspection needs an API key: send Authorization: Bearer <key> (in GraphiQL, in the Headers tab)",
    { extensions: { code: "UNAUTHENTICATED", http: { status: 200 } } },
  );
}

/**
 * The one shape of an authentication failure over HTTP: status 200 and a GraphQL error with code
 * UNAUTHENTICATED, for a missing key and a wrong one alike, and no data. Every client library
 * reads it as a GraphQL error (a 401 reaches some of them as a network error without its body).
 */
export const keyNeeded = (message: string) =>
  new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 200 } } });

const anonymousFields = new Set(["__typename", "__schema", "__type"]);

/** Whether an operation asks for anything but `__typename` and introspection (fragments expanded). */
function needsKey(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const seen = new Set<string>();
  const check = (sel: OperationDefinitionNode["selectionSet"]): boolean =>
    sel.selections.some((s) => {
      if (s.kind === Kind.FIELD) return !anonymousFields.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return check(s.selectionSet);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      const f = fragments.get(s.name.value);
      return f ? check(f.selectionSet) : false;
    });
  return check(operation.selectionSet);
}

/** Who may run what, decided once the operation is known: a key for anything but `__typename`; introspection per INTROSPECTION. */
const accessGate = (mode: IntrospectionMode): ApolloServerPlugin<Context> => ({
  async requestDidStart() {
    return {
      async didResolveOperation(rc) {
        const anonymous = rc.contextValue.principal === null;
        if (anonymous && rc.operation && needsKey(rc.document, rc.operation)) {
          throw keyNeeded("This operation needs an API key: send Authorization: Bearer <key>");
        }
        if (mode === "public" || !usesIntrospection(rc.document)) return;
        const refusal = introspectionRefusal(mode, !anonymous);
        if (refusal) throw refusal;
      },
    };
  },
});

/**
 * Each answer says what its operation cost, as the limit counts it:
 * `extensions.cost = { requested, maximum }`. A client can see how close a query comes to the
 * maximum before it grows past it.
 */
const costReport = (limits: QueryLimits): ApolloServerPlugin<Context> => ({
  async requestDidStart() {
    return {
      async willSendResponse(rc) {
        if (!rc.document || !rc.operation || rc.response.body.kind !== "single") return;
        const result = rc.response.body.singleResult;
        const requested = costOf(rc.schema, rc.document, rc.operation, limits);
        const maximum = costLimitOf(rc.schema, rc.document, limits);
        result.extensions = { ...result.extensions, cost: { requested, maximum } };
      },
    };
  },
});

/** Each HTTP request's log record, for the handlers below it. */
const requestInfo = new WeakMap<IncomingMessage, RequestInfo>();

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) {
      reject(new BodyError(413, `Request body exceeds ${max} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new BodyError(413, `Request body exceeds ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const graphqlError = (message: string, code: string, extra: Record<string, unknown> = {}) => ({
  errors: [{ message, extensions: { code, ...extra } }],
});

export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const { services, logger, limits } = opts;
  const sockets = new Set<Socket>();
  /** Each GraphQL request's span, for the tracing plugin (which sees the request's context only). */
  const graphqlSpans = new WeakMap<RequestInfo, SpanHandle>();
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 10 * 60_000, headersTimeout: 10_000 });
  let inFlight = 0;
  let stopping = false;
  let idle: (() => void) | undefined;

  const apollo = new ApolloServer<Context>({
    schema: opts.schema,
    introspection: true,
    // A simple request (one a page of any origin can send without a preflight) is refused unless
    // it carries one of these headers; each forces a preflight, which CORS_ORIGINS answers. The
    // key's header counts: a request that sends a key cannot be forged by another page.
    csrfPrevention: {
      requestHeaders: ["authorization", "x-apollo-operation-name", "apollo-require-preflight", "graphql-preflight"],
    },
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // The process's own SIGTERM handler drains requests first; Apollo must not stop on the signal
    // by itself (it does outside NODE_ENV=test), or in-flight requests fail with 500.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [queryLimitsRule(limits)],
    formatError: createErrorFormatter(logger),
    logger: {
      debug: () => {},
      info: () => {},
      warn: (m) => logger.warn({ apollo: m }),
      error: (m) => logger.error({ apollo: m }),
    },
    // No HTTP cache hints are used; the cache-control plugin would otherwise hook every field.
    plugins: [
      // First, so it knows the operation before a later plugin's refusal ends the request.
      ...(opts.metrics ? [metricsPlugin<Context>(opts.metrics)] : []),
      ...(opts.traces ? [tracingPlugin<Context>((c) => (c.request ? graphqlSpans.get(c.request) : undefined))] : []),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      operationLogPlugin,
      accessGate(opts.introspection),
      costReport(limits),
    ],
  });

  async function handleGraphql(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    if (method === "GET" && !url.searchParams.has("query") && (req.headers.accept ?? "").includes("text/html")) {
      res.writeHead(302, { location: "/graphiql" });
      res.end();
      return;
    }
    if (method !== "GET" && method !== "POST") {
      sendJson(res, 405, graphqlError("Only GET and POST are supported", "BAD_REQUEST"), { allow: "GET, POST" });
      return;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    let body: unknown;
    let queryText: unknown = url.searchParams.get("query");
    if (method === "POST") {
      const raw = await readBody(req, opts.maxBodyBytes);
      const type = headers.get("content-type") ?? "";
      if (type.startsWith("application/json")) {
        try {
          body = JSON.parse(raw);
        } catch {
          sendJson(res, 400, graphqlError("The request body is not valid JSON", "BAD_REQUEST"));
          return;
        }
        if (body && typeof body === "object" && !Array.isArray(body)) queryText = (body as { query?: unknown }).query;
      } else {
        body = raw;
      }
    }
    const tooLong = checkQueryLength(queryText, limits);
    if (tooLong) {
      sendJson(res, 400, { errors: [tooLong.toJSON()] });
      return;
    }
    // The key is looked up here, before Apollo, so a request over the limit is answered 429
    // without being parsed or run; a bad key (undefined) is not counted: it fails auth anyway.
    const principal = await principalFrom(req.headers.authorization, services.apiKeys).catch(() => undefined);
    if (principal && opts.rateLimiter) {
      const decision = await opts.rateLimiter.hit(principal.apiKeyId);
      if (!decision.allowed) {
        const e = rateLimitedError(decision.retryAfterSeconds);
        sendJson(res, 429, graphqlError(e.message, "RATE_LIMITED", { retryAfterSeconds: decision.retryAfterSeconds }), {
          "retry-after": String(decision.retryAfterSeconds),
        });
        return;
      }
    }
    const info = requestInfo.get(req);
    const result = await tracedGraphqlRequest(info?.requestId ?? "", (span) => {
      if (info) graphqlSpans.set(info, span);
      return apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: url.search, body },
        context: async () => {
          if (principal === undefined) {
            opts.metrics?.refused(operationOf(body, url), "UNAUTHENTICATED");
            span.fail("UNAUTHENTICATED");
            throw keyNeeded("The API key is missing, malformed, unknown or revoked");
          }
          return createContext(services, principal, info?.requestId ?? "", info);
        },
      });
    });
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  const cors = createCors(opts.corsOrigins);

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (cors.preflight(req, res, path)) return;
    cors.decorate(req, res, path);
    if (path === "/graphql") return handleGraphql(req, res, url);
    if (opts.files && path.startsWith("/workspaces/") && (await opts.files(req, res, url))) return;
    if (opts.webhooks && path.startsWith("/webhooks/") && (await opts.webhooks(req, res, url))) return;
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(res, 404, { error: "not found" });
      return;
    }
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/readyz") {
      if (stopping) return sendJson(res, 503, { status: "stopping" });
      const r = await opts.readiness();
      return sendJson(res, r.ready ? 200 : 503, { status: r.ready ? "ready" : "not ready", checks: r.checks });
    }
    if (opts.dashboard?.(req, res, path)) return;
    if (path === "/") {
      res.writeHead(302, { location: "/graphiql" });
      res.end();
      return;
    }
    if (serveGraphiql(path, res)) return;
    sendJson(res, 404, { error: "not found" });
  }

  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdFrom(req.headers["x-request-id"]);
    const started = process.hrtime.bigint();
    res.setHeader("x-request-id", requestId);
    if (stopping) res.setHeader("connection", "close");
    inFlight++;
    const info: RequestInfo = { requestId, operationName: null };
    requestInfo.set(req, info);
    res.on("close", () => {
      inFlight--;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          requestId,
          method: req.method,
          path: req.url?.split("?")[0],
          status: res.statusCode,
          operationName: info.operationName,
          durationMs: Math.round(durationMs * 100) / 100,
        },
        "request",
      );
      if (inFlight === 0) idle?.();
    });
    // Every line logged while the request is handled carries its id.
    withLogContext({ requestId }, () => {
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://localhost");
      } catch {
        sendJson(res, 400, { error: "bad request" });
        return;
      }
      route(req, res, url).catch((err: unknown) => {
        if (err instanceof BodyError) {
          if (!res.headersSent)
            sendJson(res, err.status, graphqlError(err.message, "BAD_REQUEST"), { connection: "close" });
          return;
        }
        logger.error({ err, requestId }, "request failed");
        if (!res.headersSent)
          sendJson(
            res,
            500,
            graphqlError(`Internal server error (request id ${requestId})`, "INTERNAL_SERVER_ERROR", { requestId }),
          );
        else res.destroy();
      });
    });
  });

  return {
    server,
    apollo,
    start: () => apollo.start(),
    async stop(deadline: number) {
      stopping = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((r) => (idle = r)),
          new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()))),
        ]);
      }
      for (const s of sockets) s.destroy();
      await closed;
      await apollo.stop();
    },
  };
}
