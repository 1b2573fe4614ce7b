import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ServerResponse } from "node:http";

const require = createRequire(import.meta.url);

/**
 * GraphiQL served from local packages only: these machines (and many deployments) have no CDN.
 * The files are located through each package's package.json, because their `exports` maps do
 * not expose the UMD builds (require.resolve("react/umd/...") throws ERR_PACKAGE_PATH_NOT_EXPORTED).
 */
const assetFiles: Record<string, { pkg: string; file: string; type: string }> = {
  "react.js": { pkg: "react", file: "umd/react.production.min.js", type: "text/javascript" },
  "react-dom.js": { pkg: "react-dom", file: "umd/react-dom.production.min.js", type: "text/javascript" },
  "graphiql.js": { pkg: "graphiql", file: "dist/index.umd.js", type: "text/javascript" },
  "graphiql.css": { pkg: "graphiql", file: "dist/style.css", type: "text/css" },
  "graphql-ws.js": { pkg: "graphql-ws", file: "umd/graphql-ws.min.js", type: "text/javascript" },
};

const packageFile = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);

const defaultQuery = `# Welcome. Put your API key in the Headers tab below:
#   {"Authorization": "Bearer ak_..."}
# The admin key is in DATA_DIR/admin.key (or ADMIN_API_KEY).
#
# 1. Create an agent, 2. create a task, 3. subscribe to its events
#    (run the subscription, then change the task's status in another tab).

mutation CreateAgent {
  createAgent(input: { name: "builder-1", minComplexity: 1, maxComplexity: 10 }) { id name status }
}

mutation CreateTask {
  createTask(input: { title: "Write a README", complexity: 3 }) { id status lastEventSeq }
}

subscription Events($taskId: ID!) {
  taskEvents(taskId: $taskId, afterSeq: 0) { seq type content data createdAt }
}

mutation Advance($taskId: ID!) {
  updateTaskStatus(id: $taskId, status: DESIGN, note: "starting") { id status }
}

query Tasks {
  tasks(first: 20) {
    totalCount
    edges { node { id title status assignedAgent { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const appJs = `(() => {
  const root = document.getElementById("graphiql");
  const url = new URL("/graphql", location.href).toString();
  const wsUrl = url.replace(/^http/, "ws");
  let ws = null;
  let wsAuth = null;
  const authOf = (headers) => {
    if (!headers) return null;
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === "authorization") return String(v);
    return null;
  };
  const wsClient = (auth) => {
    if (!ws || wsAuth !== auth) {
      if (ws) ws.dispose();
      wsAuth = auth;
      ws = graphqlWs.createClient({ url: wsUrl, lazy: true, retryAttempts: 3, connectionParams: auth ? { authorization: auth } : {} });
    }
    return ws;
  };
  const isSubscription = (params) => {
    const q = params.query || "";
    if (params.operationName) return new RegExp("subscription\\\\s+" + params.operationName + "\\\\b").test(q);
    return /^\\s*subscription\\b/m.test(q.replace(/#.*$/gm, ""));
  };
  // A closed socket reaches GraphiQL as a bare CloseEvent, which it shows as {"isTrusted": true}:
  // turn it into an Error whose message says why (4401: the key in the Headers tab is not valid).
  const readable = (e) => {
    if (e && typeof e === "object" && typeof e.code === "number" && "reason" in e)
      return new Error("WebSocket closed with code " + e.code + (e.reason ? ": " + e.reason : ""));
    if (e && typeof e === "object" && !(e instanceof Error) && "type" in e)
      return new Error("WebSocket error: cannot reach " + wsUrl);
    return e;
  };
  async function* subscribe(client, params) {
    try {
      yield* client.iterate(params);
    } catch (e) {
      throw readable(e);
    }
  }
  // The placeholder in the default headers is not a key: leave it out.
  const withoutPlaceholder = (headers) =>
    Object.fromEntries(Object.entries(headers || {}).filter(([k, v]) => !(k.toLowerCase() === "authorization" && String(v).includes("<"))));
  // The schema is only shown to key holders (INTROSPECTION=authenticated): without a key the
  // introspection is not sent at all, and GraphiQL says what to do; once a key is in the Headers
  // tab, a new fetcher makes GraphiQL fetch the schema again.
  const needsKey = { errors: [{ message: "Paste your API key in the Headers tab to load the schema (Authorization: Bearer <key>)." }] };
  const makeFetcher = () => (params, opts) => {
    const headers = withoutPlaceholder(opts && opts.headers);
    if (isSubscription(params)) return subscribe(wsClient(authOf(headers)), params);
    if (params.operationName === "IntrospectionQuery" && !authOf(headers)) return Promise.resolve(needsKey);
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...headers },
      body: JSON.stringify(params),
    }).then((r) => r.json());
  };
  const keyIn = (text) => {
    try {
      return authOf(withoutPlaceholder(JSON.parse(text || "{}")));
    } catch {
      return undefined; // being typed
    }
  };
  const reactRoot = ReactDOM.createRoot(root);
  let fetcher = makeFetcher();
  let schemaKey = null;
  const render = () =>
    reactRoot.render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: ${JSON.stringify(defaultQuery)},
        defaultHeaders: JSON.stringify({ Authorization: "Bearer <paste your API key>" }, null, 2),
        shouldPersistHeaders: true,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: "headers",
        onEditHeaders: (text) => {
          const key = keyIn(text);
          if (key === undefined || key === schemaKey) return;
          schemaKey = key;
          fetcher = makeFetcher();
          render();
        },
      }),
    );
  try {
    schemaKey = keyIn(localStorage.getItem("graphiql:headers")) ?? null;
  } catch {
    schemaKey = null;
  }
  render();
})();
`;

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent system · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/graphiql/assets/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/assets/react.js"></script>
<script src="/graphiql/assets/react-dom.js"></script>
<script src="/graphiql/assets/graphql-ws.js"></script>
<script src="/graphiql/assets/graphiql.js"></script>
<script src="/graphiql/assets/app.js"></script>
</body>
</html>
`;

const cache = new Map<string, Buffer>();

function asset(name: string): { body: Buffer; type: string } | null {
  if (name === "app.js") return { body: Buffer.from(appJs), type: "text/javascript" };
  const spec = assetFiles[name];
  if (!spec) return null;
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(packageFile(spec.pkg, spec.file));
    cache.set(name, body);
  }
  return { body, type: spec.type };
}

const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
].join("; ");

/** Serves /graphiql and /graphiql/assets/*; returns false for other paths. */
export function serveGraphiql(path: string, res: ServerResponse): boolean {
  if (path === "/graphiql" || path === "/graphiql/") {
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": csp,
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
    });
    res.end(html);
    return true;
  }
  const prefix = "/graphiql/assets/";
  if (!path.startsWith(prefix)) return false;
  const found = asset(path.slice(prefix.length));
  if (!found) return false;
  res.writeHead(200, {
    "content-type": `${found.type}; charset=utf-8`,
    "x-content-type-options": "nosniff",
    "cache-control": "public, max-age=3600",
  });
  res.end(found.body);
  return true;
}
