import type { ReactNode } from "react";
import { apiErrors } from "../lib/errors";
import { ErrorList } from "./ErrorList";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/**
 * A query's three other states: loading (no data yet), failed (its errors with codes) and, with
 * data, the children. A refetch that fails while data is shown keeps the data and says so.
 */
export function QueryState<T>({
  result,
  children,
  label,
}: {
  result: { data?: T | undefined; fetching: boolean; error?: unknown };
  children: (data: T) => ReactNode;
  label?: string;
}) {
  if (result.data === undefined || result.data === null) {
    if (result.error) return <ErrorList title={`Could not load ${label ?? "this"}`} errors={apiErrors(result.error)} />;
    return <Loading label={label ? `Loading ${label}…` : undefined} />;
  }
  return (
    <>
      {result.error ? (
        <ErrorList title="Showing earlier data: the last refresh failed" errors={apiErrors(result.error)} />
      ) : null}
      {children(result.data)}
    </>
  );
}
