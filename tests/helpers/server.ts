import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { startApp, type AppOptions, type RunningApp } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config.js";
import { readAdminKeyFile } from "../../src/domain/auth/api-key.service.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase } from "./pg.js";
import type { ProfileName } from "./profiles.js";

export interface GqlResult<R> {
  status: number;
  data?: R | null;
  errors?: GraphQLFormattedError[];
}

export interface TestServer {
  app: RunningApp;
  config: Config;
  url: string;
  wsUrl: string;
  adminKey: string;
  /** Runs a typed operation over HTTP POST. */
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, key?: string | null): Promise<GqlResult<R>>;
  /** Like gql but throws on errors and returns data. */
  ok<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, key?: string | null): Promise<R>;
  /** A graphql-ws client authenticated with `key` (admin by default). */
  ws(key?: string | null, extra?: Partial<Parameters<typeof createClient>[0]>): Client;
  stop(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<AppOptions, "config">> {
  dataDir?: string;
  databaseUrl?: string;
  env?: Record<string, string>;
  keepData?: boolean;
}

export async function startTestServer(profile: ProfileName, opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "agents-test-"));
  // The sandbox runs commands as an unprivileged user, who must be able to pass through to the workspaces.
  chmodSync(dataDir, 0o711);
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl = opts.databaseUrl;
  if (profile === "postgres" && !databaseUrl) {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    dropDb = db.drop;
  }
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...opts.env,
  });
  const { dataDir: _d, databaseUrl: _u, env: _e, keepData: _k, ...appOpts } = opts;
  const app = await startApp({ config, logger: createLogger(process.env.TEST_LOG_LEVEL ?? "silent"), ...appOpts });
  const adminKey = config.adminApiKey ?? readAdminKeyFile(dataDir) ?? "";
  const clients: Client[] = [];

  const gql = async <R, V>(
    doc: TypedDocumentNode<R, V>,
    variables?: V,
    key: string | null = adminKey,
  ): Promise<GqlResult<R>> => {
    const res = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query: print(doc), variables }),
    });
    const body = (await res.json()) as { data?: R | null; errors?: GraphQLFormattedError[] };
    return { status: res.status, ...body };
  };

  return {
    app,
    config,
    url: app.url,
    wsUrl: app.wsUrl,
    adminKey,
    gql,
    async ok(doc, variables, key) {
      const r = await gql(doc, variables, key);
      if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data;
    },
    ws(key = adminKey, extra = {}) {
      const client = createClient({
        url: app.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: key ? { authorization: `Bearer ${key}` } : {},
        ...extra,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) await c.dispose();
      await app.stop();
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
      await dropDb?.();
    },
  };
}

export interface Collector<R> {
  items: R[];
  errors: unknown[];
  completed: boolean;
  /** Resolves when at least n items have arrived (rejects on error or after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<R[]>;
  /** Resolves when the subscription errors or completes. */
  ended: Promise<void>;
  stop(): void;
}

/**
 * Subscribes over graphql-ws and collects what arrives. With `lastSeq`, it resumes as the README
 * tells clients to: graphql-ws sends the same payload again when it reconnects, so the payload's
 * `afterSeq` is kept at the last seq received.
 */
export function collect<R, V>(
  client: Client,
  doc: TypedDocumentNode<R, V>,
  variables?: V,
  lastSeq?: (item: R) => number,
): Collector<R> {
  const items: R[] = [];
  const errors: unknown[] = [];
  const waiters: Array<() => void> = [];
  let endResolve: () => void = () => {};
  const ended = new Promise<void>((r) => (endResolve = r));
  const c: Collector<R> = {
    items,
    errors,
    completed: false,
    ended,
    waitFor(n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (items.length >= n) {
            clearTimeout(t);
            resolve(items);
            return true;
          }
          if (errors.length > 0 || c.completed) {
            clearTimeout(t);
            reject(new Error(`subscription ended after ${items.length} items: ${JSON.stringify(errors)}`));
            return true;
          }
          return false;
        };
        const t = setTimeout(() => reject(new Error(`timed out with ${items.length}/${n} items`)), timeoutMs);
        const w = () => {
          if (!check()) waiters.push(w);
        };
        w();
      });
    },
    stop: () => unsubscribe(),
  };
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  const payload = { query: print(doc), variables: { ...(variables as Record<string, unknown> | undefined) } };
  const unsubscribe = client.subscribe<R>(payload, {
    next: (v) => {
      if (v.errors) errors.push(...v.errors);
      if (v.data) items.push(v.data as R);
      if (v.data && lastSeq) payload.variables.afterSeq = lastSeq(v.data as R);
      notify();
    },
    error: (e) => {
      errors.push(e);
      notify();
      endResolve();
    },
    complete: () => {
      c.completed = true;
      notify();
      endResolve();
    },
  });
  return c;
}
