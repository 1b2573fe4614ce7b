/**
 * Errors as the dashboard shows them: each with the API's code and message, and the input
 * fields they name (BAD_USER_INPUT lists every bad field in `extensions.fields`).
 */
export interface ApiError {
  code: string;
  message: string;
  /** The field's path as the API named it (`input.title`, `title`, `limits.0`). */
  field?: string;
}

export interface ApiFieldError {
  path: string;
  message: string;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

interface CombinedErrorLike {
  graphQLErrors?: GraphQLErrorLike[];
  networkError?: Error | undefined;
  response?: { status?: number } | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** Every error of a failed operation: GraphQL errors with their codes, or the network's. */
export function apiErrors(error: unknown): ApiError[] {
  if (!error) return [];
  const combined = error as CombinedErrorLike;
  if (Array.isArray(combined.graphQLErrors) && combined.graphQLErrors.length > 0) {
    return combined.graphQLErrors.flatMap((e): ApiError[] => {
      const ext = e.extensions ?? {};
      const code = typeof ext.code === "string" ? ext.code : "ERROR";
      const fields = Array.isArray(ext.fields) ? ext.fields.filter(isObject) : [];
      if (fields.length > 0)
        return fields.map((f) => ({ code, message: String(f.message ?? e.message), field: String(f.path ?? "") }));
      return [{ code, message: e.message, ...(typeof ext.field === "string" ? { field: ext.field } : {}) }];
    });
  }
  if (combined.networkError) {
    const status = combined.response?.status;
    return [
      {
        code: status === 401 ? "UNAUTHENTICATED" : "NETWORK_ERROR",
        message:
          status === 401
            ? "The API key is not valid (any more)."
            : `The server could not be reached: ${combined.networkError.message}`,
      },
    ];
  }
  if (Array.isArray(error)) return error.flatMap(apiErrors);
  if (isObject(error) && typeof error.message === "string") {
    const ext = isObject(error.extensions) ? error.extensions : {};
    return [{ code: typeof ext.code === "string" ? ext.code : "ERROR", message: error.message }];
  }
  return [{ code: "ERROR", message: String(error) }];
}

/** The last segment of a field path: `input.title` → `title`, `tools.2` → `tools`. */
export function fieldName(path: string): string {
  const parts = path.split(".").filter((p) => !/^\d+$/.test(p));
  return parts[parts.length - 1] ?? path;
}

/** Errors by input field (for the messages under each control), and the ones no control shows. */
export function errorsByField(
  errors: ApiError[],
  known: readonly string[],
): { byField: Record<string, string>; other: ApiError[] } {
  const byField: Record<string, string> = {};
  const other: ApiError[] = [];
  for (const e of errors) {
    const name = e.field ? fieldName(e.field) : undefined;
    if (name && known.includes(name)) byField[name] = byField[name] ? `${byField[name]}; ${e.message}` : e.message;
    else other.push(e);
  }
  return { byField, other };
}
