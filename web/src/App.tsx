import { lazy, Suspense, useState, type FormEvent, type ReactNode } from "react";
import { useAuth, useCan, useMe } from "./app/auth";
import { useConnection } from "./app/connection";
import { Link, match, useLocation } from "./app/router";
import { ThemeToggle } from "./app/theme";
import type { ApiError } from "./lib/errors";
import { humanize } from "./lib/format";
import { ErrorList } from "./ui/ErrorList";
import { Field } from "./ui/Field";
import { Loading } from "./ui/States";
import { ErrorBoundary } from "./ui/ErrorBoundary";
import { Bell } from "./views/notifications/Bell";

const BoardView = lazy(() => import("./views/board/BoardView"));
const TaskView = lazy(() => import("./views/task/TaskView"));
const AgentsView = lazy(() => import("./views/agents/AgentsView"));
const UsageView = lazy(() => import("./views/usage/UsageView"));
const NotificationsView = lazy(() => import("./views/notifications/NotificationsView"));
const KeysView = lazy(() => import("./views/keys/KeysView"));

export function App() {
  const { auth } = useAuth();
  return auth ? <Shell /> : <SignIn />;
}

function SignIn() {
  const { signIn, notice } = useAuth();
  const [key, setKey] = useState("");
  const [remember, setRemember] = useState(false);
  const [errors, setErrors] = useState<ApiError[] | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const failed = await signIn(key, remember);
    setBusy(false);
    setErrors(failed);
  };
  const keyError = errors?.find((e) => e.field === "key")?.message;
  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title">Agent system</h1>
        <p>
          Sign in with an API key. The admin key is in <code>DATA_DIR/admin.key</code>.
        </p>
        <ErrorList errors={notice} />
        <ErrorList errors={errors?.filter((e) => e.field !== "key")} title="The key was not accepted" />
        <Field label="API key" error={keyError}>
          {(p) => (
            <input
              {...p}
              type="password"
              name="key"
              autoComplete="off"
              spellCheck={false}
              value={key}
              onChange={(e) => setKey(e.target.value)}
              required
            />
          )}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Remember on this
          device (otherwise the key is forgotten when the tab closes)
        </label>
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

const nav: Array<{ to: string; label: string; show: (can: ReturnType<typeof useCan>) => boolean; active: RegExp }> = [
  { to: "/", label: "Tasks", show: () => true, active: /^\/($|tasks)/ },
  { to: "/agents", label: "Agents", show: () => true, active: /^\/agents/ },
  { to: "/usage", label: "Usage", show: (can) => can.usage, active: /^\/usage/ },
  { to: "/keys", label: "API keys", show: (can) => can.admin, active: /^\/keys/ },
];

function Shell() {
  const { signOut } = useAuth();
  const me = useMe();
  const can = useCan();
  const { path } = useLocation();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Agent system
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav
              .filter((n) => n.show(can))
              .map((n) => (
                <li key={n.to}>
                  <Link to={n.to} aria-current={n.active.test(path) ? "page" : undefined}>
                    {n.label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <Bell />
          <ThemeToggle />
          <span className="whoami" title={`Key ${me.prefix}…`}>
            {me.name} <span className="role">{humanize(me.role)}</span>
          </span>
          <button type="button" className="button-ghost" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <ConnectionBanner />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary key={path}>
          <Suspense fallback={<Loading />}>
            <Routes path={path} />
          </Suspense>
        </ErrorBoundary>
      </main>
    </>
  );
}

function Routes({ path }: { path: string }): ReactNode {
  if (path === "/" || path === "/tasks") return <BoardView />;
  const task = match("/tasks/:id", path);
  if (task) return <TaskView id={task.id!} />;
  if (path === "/agents") return <AgentsView />;
  if (path === "/usage") return <UsageView />;
  if (path === "/notifications") return <NotificationsView />;
  if (path === "/keys") return <KeysView />;
  return (
    <section className="state state-empty">
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">Go to the tasks</Link>.
      </p>
    </section>
  );
}

function ConnectionBanner() {
  const state = useConnection();
  if (state !== "reconnecting") return null;
  return (
    <div className="banner banner-warning" role="status" aria-live="polite" data-testid="reconnect-banner">
      The live connection was lost. Reconnecting… Live views resume where they stopped once it is back.
    </div>
  );
}
