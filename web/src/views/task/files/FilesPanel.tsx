/**
 * The files of a task's workspace: a folder at a time with breadcrumbs, sizes and times; a
 * preview of the file chosen; download of any file and, with canWrite, upload into the folder
 * shown (PUT on the file route: the API checks the type and size, its refusals are shown with
 * their codes).
 */
import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../../../gql";
import { bytes, dateTime, timeAgo } from "../../../lib/format";
import { Empty, QueryState } from "../../../ui/States";
import { DownloadButton, FilePreview } from "./FilePreview";
import { baseName, breadcrumbs, childrenOf, normalize } from "./paths";
import { Upload } from "./Upload";
import "./files.css";

const ListDoc = graphql(`
  query FilesPanelList($workspaceId: ID!, $path: String) {
    listFiles(workspaceId: $workspaceId, path: $path) {
      entries {
        path
        type
        size
        modifiedAt
      }
      truncated
    }
  }
`);

export function FilesPanel({ workspaceId, canWrite }: { workspaceId: string | null; canWrite: boolean }) {
  return (
    <section className="files-panel" aria-labelledby="files-panel-title">
      <h2 id="files-panel-title">Files</h2>
      {workspaceId === null ? (
        <Empty>No workspace yet: it is made when the task is taken up.</Empty>
      ) : (
        <Browser workspaceId={workspaceId} canWrite={canWrite} />
      )}
    </section>
  );
}

function Browser({ workspaceId, canWrite }: { workspaceId: string; canWrite: boolean }) {
  const [dir, setDir] = useState(".");
  const [open, setOpen] = useState<{ path: string; size: number } | null>(null);
  const [result, refetch] = useQuery({ query: ListDoc, variables: { workspaceId, path: dir } });
  const crumbs = breadcrumbs(dir);
  const go = (path: string) => {
    setDir(normalize(path));
    setOpen(null);
  };

  return (
    <>
      <nav aria-label="Folder" className="breadcrumbs">
        <ol>
          {crumbs.map((c, i) => (
            <li key={c.path}>
              {i === crumbs.length - 1 ? (
                <span aria-current="location">{c.name}</span>
              ) : (
                <button type="button" className="crumb" onClick={() => go(c.path)}>
                  {c.name}
                </button>
              )}
            </li>
          ))}
        </ol>
        <button type="button" className="button-ghost" onClick={() => refetch({ requestPolicy: "network-only" })}>
          Refresh
        </button>
      </nav>
      {canWrite ? (
        <Upload workspaceId={workspaceId} dir={dir} onDone={() => refetch({ requestPolicy: "network-only" })} />
      ) : null}
      <QueryState result={result} label="files">
        {(data) => {
          const entries = childrenOf(data.listFiles.entries, dir);
          if (entries.length === 0) return <Empty>This folder is empty.</Empty>;
          return (
            <div className="table-wrap">
              <table className="files-table">
                <caption className="visually-hidden">Files in {dir === "." ? "the workspace" : dir}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" className="num">
                      Size
                    </th>
                    <th scope="col" className="col-modified">
                      Modified
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => {
                    const name = baseName(e.path);
                    const isDir = e.type === "DIRECTORY";
                    const isFile = e.type === "FILE";
                    return (
                      <tr key={e.path} className={open?.path === e.path ? "file-open" : undefined}>
                        <td>
                          {isDir ? (
                            <button type="button" className="file-name" onClick={() => go(e.path)}>
                              {name}/
                            </button>
                          ) : isFile ? (
                            <button
                              type="button"
                              className="file-name"
                              aria-pressed={open?.path === e.path}
                              data-path={e.path}
                              onClick={() => setOpen({ path: e.path, size: e.size })}
                            >
                              {name}
                            </button>
                          ) : (
                            <span>
                              {name} <span className="muted">({e.type.toLowerCase()})</span>
                            </span>
                          )}
                        </td>
                        <td className="num">{isDir ? "—" : bytes(e.size)}</td>
                        <td className="col-modified">
                          <time dateTime={e.modifiedAt} title={dateTime(e.modifiedAt)}>
                            {timeAgo(e.modifiedAt)}
                          </time>
                        </td>
                        <td>{isFile ? <DownloadButton workspaceId={workspaceId} path={e.path} compact /> : null}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {data.listFiles.truncated ? (
                <p className="muted">The listing was cut: not every entry is shown.</p>
              ) : null}
            </div>
          );
        }}
      </QueryState>
      {open ? (
        <FilePreview
          key={open.path}
          workspaceId={workspaceId}
          path={open.path}
          size={open.size}
          onClose={() => {
            const path = open.path;
            setOpen(null);
            // Back to the file's button in the list.
            requestAnimationFrame(() =>
              document.querySelector<HTMLButtonElement>(`button[data-path="${CSS.escape(path)}"]`)?.focus(),
            );
          }}
        />
      ) : null}
    </>
  );
}
