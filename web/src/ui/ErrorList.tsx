import type { ApiError } from "../lib/errors";

/** Errors as the API gave them: code, message and the field at fault. */
export function ErrorList({ errors, title }: { errors: readonly ApiError[] | null | undefined; title?: string }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div className="error-list" role="alert">
      {title ? <strong>{title}</strong> : null}
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            <code className="error-code">{e.code}</code> {e.message}
            {e.field ? <span className="error-field"> (field: {e.field})</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
