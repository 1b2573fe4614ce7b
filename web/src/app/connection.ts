/**
 * The live connection's state, for the reconnect banner: graphql-ws reports each socket's
 * connecting, connected and closed; after a first connection, a close means "reconnecting".
 */
import { useSyncExternalStore } from "react";

export type ConnectionState = "connecting" | "connected" | "reconnecting";

let state: ConnectionState = "connecting";
let everConnected = false;
const listeners = new Set<() => void>();

function set(next: ConnectionState) {
  if (next === state) return;
  state = next;
  for (const l of listeners) l();
}

export const connection = {
  connecting() {
    set(everConnected ? "reconnecting" : "connecting");
  },
  connected() {
    everConnected = true;
    set("connected");
  },
  closed() {
    set(everConnected ? "reconnecting" : "connecting");
  },
  reset() {
    everConnected = false;
    set("connecting");
  },
  get: () => state,
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useConnection(): ConnectionState {
  return useSyncExternalStore(connection.subscribe, connection.get);
}
