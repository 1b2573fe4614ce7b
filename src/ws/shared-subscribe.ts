import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from "graphql";
import { createLoaders, type Context } from "../graphql/context.js";

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * `subscribe` for graphql-ws that runs the selection set of a live event once for all the
 * subscribers that would get the same answer, instead of once per subscriber.
 *
 * A task's event feed hands the same row object to every local subscriber of the task, so the
 * object identifies the event. Two subscribers get the same answer when they sent the same
 * document (the parse cache makes equal queries share one DocumentNode), operation name and
 * variables, and their keys have the same role and agent: resolvers may depend on the caller
 * only through those (field-level authorization is by role; agent keys may later be scoped to
 * their own tasks). Results are kept in a WeakMap keyed by the event, so they go when the event
 * is no longer referenced. Replayed events are read per subscriber and are never shared.
 */
export function createSharedSubscribe(): (
  args: ExecutionArgs,
) => Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const results = new WeakMap<object, Map<string, Result>>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 1;

  const documentId = (doc: DocumentNode): number => {
    let id = documentIds.get(doc);
    if (id === undefined) documentIds.set(doc, (id = nextDocumentId++));
    return id;
  };

  return async (args) => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    const principal = (args.contextValue as Context | undefined)?.principal;
    const key = [
      documentId(args.document),
      args.operationName ?? "",
      principal?.role ?? "",
      principal?.agentId ?? "",
      JSON.stringify(args.variableValues ?? {}),
    ].join("\u0000");

    const context = args.contextValue as Context | undefined;
    return mapAsync(stream, (event: unknown): Result => {
      // Each event is answered with loaders of its own: a subscription lives long, and rows its
      // first events loaded (an agent's name, a task's workspace) change under it.
      const contextValue = context ? { ...context, loaders: createLoaders(context.services) } : args.contextValue;
      const run = () => execute({ ...args, rootValue: event, contextValue });
      if (typeof event !== "object" || event === null) return run();
      let perEvent = results.get(event);
      if (!perEvent) results.set(event, (perEvent = new Map()));
      let result = perEvent.get(key);
      if (!result) perEvent.set(key, (result = run()));
      return result;
    });
  };
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === "object" && v !== null && Symbol.asyncIterator in v;

/** Maps an async iterable; return() and throw() reach the source so unsubscribing releases it. */
function mapAsync<T, U>(source: AsyncIterable<T>, fn: (value: T) => U | Promise<U>): AsyncGenerator<U> {
  const it = source[Symbol.asyncIterator]();
  const close = async (): Promise<IteratorResult<U>> => {
    if (typeof it.return === "function") await it.return();
    return { value: undefined, done: true };
  };
  const mapped: AsyncGenerator<U> = {
    async next() {
      const r = await it.next();
      if (r.done) return { value: undefined, done: true };
      try {
        return { value: await fn(r.value), done: false };
      } catch (err) {
        await close();
        throw err;
      }
    },
    return: close,
    async throw(err: unknown) {
      if (typeof it.throw === "function") await it.throw(err);
      else await close();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
