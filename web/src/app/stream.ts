/**
 * Streams with a seq (taskEvents, commandOutput, channelMessages, notificationAdded): replay
 * from `afterSeq`, then live. The payload's afterSeq is kept at the last seq received, and
 * graphql-ws sends that same payload again when its socket comes back, so a stream resumes
 * where it stopped; anything at or below the last seq is dropped, so nothing shows twice.
 * Items arriving in a burst are appended once per animation frame.
 */
import { stringifyDocument, type TypedDocumentNode } from "@urql/core";
import { useEffect, useRef, useState } from "react";
import { apiErrors, type ApiError } from "../lib/errors";
import { appendNew, type Sequenced } from "../lib/seq";
import { useApi } from "./auth";

export type { Sequenced };

export interface StreamState<T> {
  items: T[];
  /** The stream ended (e.g. a command's EXIT). */
  done: boolean;
  errors: ApiError[];
}

export function useSeqStream<R, V extends { afterSeq?: number | null }, T extends Sequenced>(
  document: TypedDocumentNode<R, V>,
  variables: Omit<V, "afterSeq">,
  pick: (data: R) => T | null | undefined,
  options: { afterSeq?: number; enabled?: boolean; limit?: number } = {},
): StreamState<T> {
  const api = useApi();
  const [state, setState] = useState<StreamState<T>>({ items: [], done: false, errors: [] });
  const pickRef = useRef(pick);
  pickRef.current = pick;
  const key = JSON.stringify(variables);
  const enabled = options.enabled ?? true;
  const start = options.afterSeq ?? 0;
  const limit = options.limit ?? 20_000;

  useEffect(() => {
    if (!enabled) return;
    setState({ items: [], done: false, errors: [] });
    const payload = { query: stringifyDocument(document), variables: { ...JSON.parse(key), afterSeq: start } };
    let last = start;
    let pending: T[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setState((s) => {
        const items = appendNew(s.items, batch);
        return { ...s, items: items.length > limit ? items.slice(items.length - limit) : items };
      });
    };
    const unsubscribe = api.ws.subscribe<R>(payload, {
      next: (result) => {
        if (result.errors?.length) {
          setState((s) => ({ ...s, errors: apiErrors({ graphQLErrors: result.errors }) }));
          return;
        }
        const item = result.data ? pickRef.current(result.data as R) : null;
        if (!item || item.seq <= last) return;
        last = item.seq;
        payload.variables.afterSeq = last;
        pending.push(item);
        if (!frame) frame = requestAnimationFrame(flush);
      },
      error: (err) => setState((s) => ({ ...s, errors: apiErrors(err) })),
      complete: () => {
        if (frame) cancelAnimationFrame(frame);
        flush();
        setState((s) => ({ ...s, done: true }));
      },
    });
    return () => {
      if (frame) cancelAnimationFrame(frame);
      unsubscribe();
    };
  }, [api, document, key, enabled, start, limit]);

  return state;
}
