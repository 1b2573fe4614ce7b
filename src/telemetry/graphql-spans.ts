import { SpanKind } from "@opentelemetry/api";
import type { ApolloServerPlugin } from "@apollo/server";
import { getOperationAST, type ExecutionArgs, type GraphQLError, type GraphQLFormattedError } from "graphql";
import { withLogContext } from "./log-context.js";
import { spanAttributes, traced, type SpanHandle } from "./tracing.js";

/** A GraphQL operation's span before the operation is known (a request that fails to parse keeps it). */
export const GRAPHQL_SPAN = "graphql";

/** `query TasksPage`, as the GraphQL semantic conventions name an operation's span. */
const spanName = (type: string, name: string | null | undefined): string =>
  name ? `${type} ${name.slice(0, 64)}` : type;

const errorCode = (error: GraphQLError | GraphQLFormattedError): string => {
  const code = error.extensions?.code;
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
};

/** Names the span and marks it failed with the first error's code. */
function describe(span: SpanHandle, type: string | undefined, name: string | null | undefined): void {
  if (!type) return;
  span.rename(spanName(type, name));
  span.set({
    [spanAttributes.graphqlOperationType]: type,
    ...(name ? { [spanAttributes.graphqlOperationName]: name.slice(0, 64) } : {}),
  });
}

/**
 * An HTTP GraphQL request in a span (`query Name`, `mutation Name`), with its request id in the
 * log context of everything it runs. `tracingPlugin` names the span and records its errors.
 */
export function tracedGraphqlRequest<T>(requestId: string, run: (span: SpanHandle) => Promise<T>): Promise<T> {
  return traced(GRAPHQL_SPAN, { kind: SpanKind.SERVER, attributes: { [spanAttributes.requestId]: requestId } }, run);
}

/** The Apollo side of `tracedGraphqlRequest`: the span is the request's, found in its context. */
export function tracingPlugin<C extends object>(spanOf: (context: C) => SpanHandle | undefined): ApolloServerPlugin<C> {
  return {
    async requestDidStart(rc) {
      const span = spanOf(rc.contextValue);
      if (!span) return;
      return {
        async didResolveOperation(op) {
          describe(span, op.operation?.operation, op.operationName);
        },
        async didEncounterErrors(failed) {
          const first = failed.errors[0];
          if (first) span.fail(errorCode(first));
        },
      };
    },
  };
}

/**
 * A WebSocket operation in a span and a log context with its own request id: a query's or a
 * mutation's whole run; a subscription's subscribe only (its events come later, outside it).
 */
export function tracedWsOperation<T>(args: ExecutionArgs, requestId: string, run: () => T | Promise<T>): Promise<T> {
  const operation = getOperationAST(args.document, args.operationName);
  return withLogContext({ requestId }, () =>
    traced(
      GRAPHQL_SPAN,
      { kind: SpanKind.SERVER, attributes: { [spanAttributes.requestId]: requestId } },
      async (span) => {
        describe(span, operation?.operation, operation?.name?.value);
        const result = await run();
        const errors = (result as { errors?: readonly GraphQLError[] } | null)?.errors;
        if (errors?.[0]) span.fail(errorCode(errors[0]));
        return result;
      },
    ),
  );
}
