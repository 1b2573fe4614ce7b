/**
 * The board's data: every task matching the filters, loaded 100 at a time (up to MAX_TASKS),
 * then kept live by taskChanged. Changes arriving in a burst are applied once per animation
 * frame, in one reducer step (see board-state.ts). When the socket comes back after a drop, the
 * list is loaded again and merged, so nothing changed while offline is missed.
 */
import { stringifyDocument, type OperationResult } from "@urql/core";
import { useCallback, useEffect, useRef, useState } from "react";
import { useApi } from "../../app/auth";
import { useConnection } from "../../app/connection";
import { graphql } from "../../gql";
import type { BoardTasksQuery, BoardTasksQueryVariables } from "../../gql/graphql";
import { apiErrors, type ApiError } from "../../lib/errors";
import {
  apiFilter,
  applyUpdates,
  emptyBoard,
  fromList,
  mergeReload,
  type BoardState,
  type BoardTask,
  type Filters,
} from "./board-state";

/** Tasks loaded at most (50 pages of 100): beyond it the board says how many it leaves out. */
export const MAX_TASKS = 5_000;
const PAGE = 100;

export const BoardTaskFields = graphql(`
  fragment BoardTaskFields on Task {
    id
    title
    description
    status
    priority
    complexity
    awaitingApproval
    pausedAt
    updatedAt
    createdAt
    progress {
      percent
    }
    assignedAgent {
      id
      name
    }
  }
`);

const BoardTasksDoc = graphql(`
  query BoardTasks($first: Int, $after: String, $filter: TaskFilter) {
    tasks(first: $first, after: $after, filter: $filter) {
      totalCount
      edges {
        node {
          ...BoardTaskFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const BoardTaskChangedDoc = graphql(`
  subscription BoardTaskChanged {
    taskChanged {
      ...BoardTaskFields
    }
  }
`);

export interface Board {
  state: BoardState;
  /** No list loaded yet. */
  loading: boolean;
  errors: ApiError[];
  /** Tasks matching the filters on the server (as of the last load). */
  total: number;
  /** Loaded fewer than total (the cap). */
  truncated: boolean;
  /** A list was loaded (for the current filters or earlier ones). */
  loaded: boolean;
  /** Loads the list again (after an error). */
  retry(): void;
  /** Shows a task now (e.g. one just created), ahead of its taskChanged. */
  upsert(task: BoardTask): void;
}

export function useBoard(filters: Filters): Board {
  const api = useApi();
  const [state, setState] = useState<BoardState>(emptyBoard);
  const [loading, setLoading] = useState(true);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [total, setTotal] = useState(0);
  const [truncated, setTruncated] = useState(false);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const key = JSON.stringify(filters);
  const connection = useConnection();
  const [reloads, setReloads] = useState(0);
  const wasOffline = useRef(false);

  // After a drop, load again once the socket is back.
  useEffect(() => {
    if (connection === "reconnecting") wasOffline.current = true;
    else if (connection === "connected" && wasOffline.current) {
      wasOffline.current = false;
      setReloads((n) => n + 1);
    }
  }, [connection]);

  // Live changes: buffered, applied once per frame; those arriving while a list loads are kept
  // to be applied on top of it (the list may have been read before them).
  const pending = useRef<BoardTask[]>([]);
  const duringLoad = useRef<BoardTask[] | null>(null);
  const frame = useRef(0);
  const flush = useCallback(() => {
    frame.current = 0;
    const batch = pending.current;
    pending.current = [];
    if (batch.length > 0) setState((s) => applyUpdates(s, batch, filtersRef.current));
  }, []);
  useEffect(() => {
    const unsubscribe = api.ws.subscribe<{ taskChanged: BoardTask }>(
      { query: stringifyDocument(BoardTaskChangedDoc) },
      {
        next: (result) => {
          if (result.errors?.length) return setErrors(apiErrors({ graphQLErrors: result.errors }));
          const task = result.data?.taskChanged;
          if (!task) return;
          pending.current.push(task);
          duringLoad.current?.push(task);
          if (!frame.current) frame.current = requestAnimationFrame(flush);
        },
        error: (err) => setErrors(apiErrors(err)),
        complete: () => {},
      },
    );
    return () => {
      if (frame.current) cancelAnimationFrame(frame.current);
      frame.current = 0;
      pending.current = [];
      unsubscribe();
    };
  }, [api, flush]);

  // The list: first load for these filters (replaces the board), or a reload (merged).
  const loadedKey = useRef<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const fresh = loadedKey.current !== key;
    const since = Date.now();
    if (loadedKey.current === null) setLoading(true);
    duringLoad.current = [];
    void (async () => {
      const f = JSON.parse(key) as Filters;
      const tasks: BoardTask[] = [];
      let after: string | null = null;
      let count = 0;
      for (;;) {
        const r: OperationResult<BoardTasksQuery, BoardTasksQueryVariables> = await api.urql
          .query(BoardTasksDoc, { first: PAGE, after, filter: apiFilter(f) }, { requestPolicy: "network-only" })
          .toPromise();
        if (cancelled) return;
        if (r.error || !r.data) {
          setErrors(apiErrors(r.error ?? "No data"));
          duringLoad.current = null;
          setLoading(false);
          return;
        }
        const page = r.data.tasks;
        count = page.totalCount;
        for (const e of page.edges) tasks.push(e.node as BoardTask);
        after = page.pageInfo.endCursor ?? null;
        if (!page.pageInfo.hasNextPage || !after || tasks.length >= MAX_TASKS) break;
      }
      loadedKey.current = key;
      setErrors([]);
      setTotal(count);
      setTruncated(tasks.length < count);
      const live = duringLoad.current ?? [];
      duringLoad.current = null;
      setState((s) => applyUpdates(fresh ? fromList(tasks, f) : mergeReload(s, tasks, since, f), live, f));
      setLoading(false);
    })();
    return () => {
      cancelled = true;
    };
  }, [api, key, reloads]);

  const upsert = useCallback((task: BoardTask) => {
    setState((s) => applyUpdates(s, [task], filtersRef.current));
  }, []);

  const retry = useCallback(() => {
    setErrors([]);
    setReloads((n) => n + 1);
  }, []);

  return { state, loading, errors, total, truncated, loaded: loadedKey.current !== null, retry, upsert };
}
