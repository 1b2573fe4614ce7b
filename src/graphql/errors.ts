import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, Kind, type GraphQLFormattedError } from "graphql";
import { DomainError } from "../domain/errors.js";
import { diskFull, isDiskFull } from "../domain/disk-full.js";
import { requestIdOfError } from "./request-context.js";
import type { Logger } from "../domain/shared/deps.js";

/** Codes produced by graphql-js and Apollo themselves, passed through unchanged. */
const passThrough = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "RATE_LIMITED",
]);

/** Longest message a client gets: graphql-js quotes offending variable values in full. */
const maxMessageLength = 1_000;

const capped = (message: string): string =>
  message.length <= maxMessageLength ? message : `${message.slice(0, maxMessageLength - 1)}…`;

/**
 * A variable's value failed coercion (graphql-js execution). Apollo relabels these as
 * BAD_USER_INPUT on HTTP; graphql-ws hands them over raw, with the scalar's own error inside.
 */
const isVariableError = (e: GraphQLError): boolean =>
  e.path === undefined && e.nodes?.length === 1 && e.nodes[0]?.kind === Kind.VARIABLE_DEFINITION;

/**
 * A variable coercion error's message without the values graphql-js quotes in it (`Variable "$input"
 * got invalid value { …every field, a secret's value too… } at "input.kind"; …`, and scalars'
 * "cannot represent …: <value>"): the variable, the path and the reason stay. Other messages are
 * returned unchanged.
 */
export function withoutVariableValues(error: GraphQLError, message: string): string {
  const inner = error.originalError instanceof GraphQLError ? error.originalError.message : null;
  const head = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value /.exec(message);
  if (!head || inner === null || !message.endsWith(`; ${inner}`)) return message;
  const name = head[1] as string;
  const prefix = message.slice(0, message.length - inner.length - 2);
  const at = new RegExp(` at "(${name}(?:\\.[_A-Za-z][_0-9A-Za-z]*|\\[\\d+\\])*)"$`).exec(prefix);
  // graphql-js puts the offending value after the first ": " of a scalar's message.
  const reason = inner.replace(/: [\s\S]*$/, ".").replace(/\.\.$/, ".");
  return `Variable "$${name}" got an invalid value${at ? ` at "${at[1]}"` : ""} (not shown); ${reason}`;
}

/**
 * The one place errors become what a client sees: domain errors keep their code and field,
 * graphql-js errors keep theirs, and anything else is logged with the request id and reaches
 * the client as a generic message carrying that id, never a stack or a secret.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown, requestIdHint?: string): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const shown = original instanceof GraphQLError && isVariableError(original);
    const message = shown ? withoutVariableValues(original, formatted.message) : formatted.message;
    const base = { message: capped(message), locations: formatted.locations, path: formatted.path };
    if (original instanceof DomainError) {
      return { ...base, message: capped(original.message), extensions: { code: original.code, ...original.details } };
    }
    if (isDiskFull(original)) {
      logger.warn({ err: original, path: formatted.path }, "a write failed: the disk is full");
      return { ...base, message: diskFull.message, extensions: { code: diskFull.code, ...diskFull.details } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && passThrough.has(code)) {
      const { stacktrace: _s, exception: _e, ...extensions } = formatted.extensions ?? {};
      return { ...base, extensions };
    }
    if (
      original instanceof GraphQLError &&
      !code &&
      (original.originalError === undefined || isVariableError(original))
    ) {
      // graphql-js execution-level errors such as "Variable $x of required type … was not provided."
      return { ...base, extensions: { code: "BAD_USER_INPUT" } };
    }
    const requestId = requestIdHint ?? requestIdOfError(error) ?? requestIdOfError(original) ?? "unknown";
    logger.error({ err: original, requestId, path: formatted.path }, "unexpected error");
    return {
      message: `Internal server error (request id ${requestId})`,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
    };
  };
}
