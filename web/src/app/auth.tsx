/**
 * Sign-in with an API key. The key is checked with `me`, then kept in sessionStorage (this tab,
 * until it closes) or, when asked to remember it, localStorage. The UI follows the key's role:
 * `useCan()` says what the key may do, and views leave out what would fail.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { Provider as UrqlProvider } from "urql";
import { stringifyDocument } from "@urql/core";
import { graphql } from "../gql";
import type { MeQuery } from "../gql/graphql";
import { apiErrors, type ApiError } from "../lib/errors";
import { createApi, type Api } from "./client";

export type Me = MeQuery["me"];

const MeDoc = graphql(`
  query Me {
    me {
      id
      name
      prefix
      role
      agent {
        id
        name
      }
    }
  }
`);

const storageKey = "agent-system:api-key";

interface AuthState {
  key: string;
  me: Me;
  api: Api;
}

interface AuthContextValue {
  auth: AuthState | null;
  /** Why the last key was refused, or why the session ended. */
  notice: ApiError[] | null;
  signIn(key: string, remember: boolean): Promise<ApiError[] | null>;
  signOut(notice?: ApiError[]): void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

function storedKey(): string | null {
  try {
    return sessionStorage.getItem(storageKey) ?? localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

function store(key: string | null, remember: boolean) {
  try {
    sessionStorage.removeItem(storageKey);
    localStorage.removeItem(storageKey);
    if (key) (remember ? localStorage : sessionStorage).setItem(storageKey, key);
  } catch {
    // storage disabled: the key lives only in memory
  }
}

/** Asks the API who the key is; errors say why it was refused. */
async function whoIs(key: string): Promise<{ me: Me } | { errors: ApiError[] }> {
  try {
    const res = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: stringifyDocument(MeDoc), operationName: "Me" }),
    });
    const body = (await res.json()) as {
      data?: MeQuery | null;
      errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    };
    if (body.data?.me) return { me: body.data.me };
    return { errors: apiErrors({ graphQLErrors: body.errors ?? [{ message: `HTTP ${res.status}` }] }) };
  } catch (err) {
    return {
      errors: [{ code: "NETWORK_ERROR", message: `The server could not be reached: ${(err as Error).message}` }],
    };
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [auth, setAuth] = useState<AuthState | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [notice, setNotice] = useState<ApiError[] | null>(null);

  const signOut = useCallback((why?: ApiError[]) => {
    store(null, false);
    setAuth((current) => {
      current?.api.dispose();
      return null;
    });
    setNotice(why ?? null);
  }, []);

  const begin = useCallback(
    (key: string, me: Me) => {
      const api = createApi(key, () =>
        signOut([
          { code: "UNAUTHENTICATED", message: "The server no longer accepts this API key (revoked?). Sign in again." },
        ]),
      );
      setAuth({ key, me, api });
      setNotice(null);
    },
    [signOut],
  );

  const signIn = useCallback(
    async (key: string, remember: boolean) => {
      const trimmed = key.trim();
      if (!trimmed) return [{ code: "BAD_USER_INPUT", message: "Paste an API key.", field: "key" }];
      const who = await whoIs(trimmed);
      if ("errors" in who) return who.errors;
      store(trimmed, remember);
      begin(trimmed, who.me);
      return null;
    },
    [begin],
  );

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    let live = true;
    void whoIs(key).then((who) => {
      if (!live) return;
      setRestoring(false);
      if ("me" in who) begin(key, who.me);
      else if (who.errors.some((e) => e.code === "UNAUTHENTICATED" || e.code === "FORBIDDEN")) signOut(who.errors);
      else setNotice(who.errors);
    });
    return () => {
      live = false;
    };
  }, [begin, signOut]);

  useEffect(() => () => auth?.api.dispose(), [auth]);

  const value = useMemo(() => ({ auth, notice, signIn, signOut }), [auth, notice, signIn, signOut]);
  if (restoring)
    return (
      <p className="page-status" role="status">
        Signing in…
      </p>
    );
  return (
    <AuthContext.Provider value={value}>
      {auth ? <UrqlProvider value={auth.api.urql}>{children}</UrqlProvider> : children}
    </AuthContext.Provider>
  );
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}

/** The signed-in key's connection (only under a signed-in shell). */
export function useApi(): Api {
  const { auth } = useAuth();
  if (!auth) throw new Error("useApi without a signed-in key");
  return auth.api;
}

export function useMe(): Me {
  const { auth } = useAuth();
  if (!auth) throw new Error("useMe without a signed-in key");
  return auth.me;
}

/** What the key may do, by role (the API checks again; this only hides what would fail). */
export interface Can {
  /** Create and change tasks and agents, approve, pause, cancel, use the tools: ADMIN, OPERATOR. */
  operate: boolean;
  /** API keys: ADMIN. */
  admin: boolean;
  /** usageReport: ADMIN, OPERATOR. */
  usage: boolean;
}

export function canOf(role: string): Can {
  const operate = role === "ADMIN" || role === "OPERATOR";
  return { operate, admin: role === "ADMIN", usage: operate };
}

export function useCan(): Can {
  return canOf(useMe().role);
}
