import type { IncomingMessage, ServerResponse } from "node:http";
import type { CorsOrigins } from "../config.js";

/** The routes a page of another origin may call, and their methods. */
const routes: ReadonlyArray<{ test: (path: string) => boolean; methods: string }> = [
  { test: (p) => p === "/graphql", methods: "GET, POST" },
  { test: (p) => p.startsWith("/workspaces/"), methods: "GET, HEAD, PUT" },
];

/**
 * Request headers a page may send: the key, the body's type, Apollo's and urql's CSRF and
 * operation headers, the client's request id (answered in x-request-id).
 */
const allowedHeaders = [
  "authorization",
  "content-type",
  "accept",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "graphql-preflight",
  "x-request-id",
];

/** Response headers a page may read besides the simple ones. */
const exposedHeaders = "x-request-id, content-disposition, content-length";

export interface Cors {
  /**
   * Answers a preflight (OPTIONS) for a route of the API; true when it answered. A page of an
   * origin not allowed gets 403 without CORS headers, so its browser stops there.
   */
  preflight(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** Adds the CORS headers of an actual request from an allowed origin (nothing for others). */
  decorate(req: IncomingMessage, res: ServerResponse, path: string): void;
}

/**
 * CORS for the API's routes (CORS_ORIGINS). The API authenticates with a bearer key in a header,
 * never a cookie, so no answer allows credentials: `*` stays `*`, and a page that sends cookies
 * (fetch's `credentials: "include"`) is refused by its own browser.
 */
export function createCors(origins: CorsOrigins): Cors {
  const allowOrigin = (origin: string | undefined): string | null => {
    if (!origin) return null;
    if (origins === "*") return "*";
    return origins.includes(origin) ? origin : null;
  };
  const routeOf = (path: string) => routes.find((r) => r.test(path));
  return {
    preflight(req, res, path) {
      if ((req.method ?? "").toUpperCase() !== "OPTIONS") return false;
      const route = routeOf(path);
      if (!route) return false;
      const origin = req.headers.origin;
      const method = req.headers["access-control-request-method"];
      // Not a preflight: OPTIONS asks which methods the route has.
      if (!origin || typeof method !== "string") {
        res.writeHead(204, { allow: `${route.methods}, OPTIONS` }).end();
        return true;
      }
      const allowed = allowOrigin(origin);
      const asked = String(req.headers["access-control-request-headers"] ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== "");
      const refusedHeader = asked.find((h) => !allowedHeaders.includes(h));
      const methodOk = route.methods.split(", ").includes(method.toUpperCase());
      if (!allowed || !methodOk || refusedHeader) {
        const why = !allowed
          ? `origin ${origin} is not in CORS_ORIGINS`
          : !methodOk
            ? `${method} is not a method of ${path}`
            : `request header ${refusedHeader} is not allowed`;
        const body = JSON.stringify({ error: `CORS preflight refused: ${why}` });
        res.writeHead(403, { "content-type": "application/json; charset=utf-8", vary: "Origin" }).end(body);
        return true;
      }
      res
        .writeHead(204, {
          "access-control-allow-origin": allowed,
          "access-control-allow-methods": route.methods,
          "access-control-allow-headers": allowedHeaders.join(", "),
          "access-control-max-age": "600",
          vary: "Origin",
        })
        .end();
      return true;
    },
    decorate(req, res, path) {
      if (!routeOf(path)) return;
      res.setHeader("vary", "Origin");
      const allowed = allowOrigin(req.headers.origin);
      if (!allowed) return;
      res.setHeader("access-control-allow-origin", allowed);
      res.setHeader("access-control-expose-headers", exposedHeaders);
    },
  };
}
