import { useState } from "react";
import { useQuery } from "urql";
import { useAuth } from "../../app/auth";
import { bytes, dateTime, humanize } from "../../lib/format";
import { ErrorList } from "../../ui/ErrorList";
import { Empty, QueryState } from "../../ui/States";
import type { ApiError } from "../../lib/errors";
import { downloadFile } from "./files/transfer";
import { TaskViewSourcesDoc } from "./queries";

/** GitHub links, reports (artifacts), research sources and their citations. */
export function SourcesPanel({ taskId }: { taskId: string }) {
  const [result] = useQuery({ query: TaskViewSourcesDoc, variables: { id: taskId } });
  const { auth } = useAuth();
  const [errors, setErrors] = useState<ApiError[]>([]);
  return (
    <QueryState result={result} label="the sources">
      {(data) => {
        const t = data.task;
        if (!t) return <Empty>The task is gone.</Empty>;
        const workspaceId = t.workspace?.id ?? null;
        return (
          <div className="sources">
            <section aria-labelledby="links-title">
              <h2 id="links-title">GitHub</h2>
              {t.links.length === 0 ? (
                <Empty>No GitHub links.</Empty>
              ) : (
                <ul className="plain-list">
                  {t.links.map((l) => (
                    <li key={l.url}>
                      <span className="badge">{humanize(l.kind)}</span>{" "}
                      <a href={l.url} target="_blank" rel="noopener noreferrer">
                        {l.repository}
                        {l.number ? ` #${l.number}` : ""}: {l.title}
                      </a>{" "}
                      <span className="muted">({humanize(l.state)})</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section aria-labelledby="reports-title">
              <h2 id="reports-title">Reports</h2>
              <ErrorList title="The download failed" errors={errors} />
              {t.artifacts.length === 0 ? (
                <Empty>No reports.</Empty>
              ) : (
                <ul className="plain-list">
                  {t.artifacts.map((a) => (
                    <li key={a.id}>
                      <code>{a.path}</code>{" "}
                      <span className="muted">
                        ({bytes(a.sizeBytes)}, {dateTime(a.createdAt)})
                      </span>{" "}
                      {workspaceId && auth ? (
                        <button
                          type="button"
                          className="button-ghost"
                          onClick={() =>
                            downloadFile(auth.key, workspaceId, a.path).then((error) => setErrors(error ? [error] : []))
                          }
                        >
                          Download <span className="visually-hidden">{a.path}</span>
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section aria-labelledby="sources-title">
              <h2 id="sources-title">Sources</h2>
              {t.sources.length === 0 ? (
                <Empty>No sources.</Empty>
              ) : (
                <ol className="plain-list">
                  {t.sources.map((s) => (
                    <li key={s.id}>
                      <a href={s.url} target="_blank" rel="noopener noreferrer">
                        {s.title || s.url}
                      </a>
                      {s.siteName ? <span className="muted"> · {s.siteName}</span> : null}
                      {s.authors.length ? <span className="muted"> · {s.authors.join(", ")}</span> : null}
                    </li>
                  ))}
                </ol>
              )}
            </section>
            <section aria-labelledby="citations-title">
              <h2 id="citations-title">Citations</h2>
              {t.citations.length === 0 ? (
                <Empty>No citations.</Empty>
              ) : (
                <ul className="plain-list citations">
                  {t.citations.map((c) => (
                    <li key={c.id}>
                      <span className={c.verified ? "badge badge-complete" : "badge badge-failed"}>
                        {c.verified ? "Verified" : "Unverified"}
                      </span>{" "}
                      {c.claim}{" "}
                      <span className="muted">
                        [{c.number}
                        {c.source ? `: ${c.source.title}` : ""}]
                      </span>
                      <blockquote>{c.quote}</blockquote>
                      {c.problem ? <p className="tl-flag">Problem: {c.problem}</p> : null}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        );
      }}
    </QueryState>
  );
}
