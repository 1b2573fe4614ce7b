/**
 * The preview of one workspace file: text (UTF-8, first 256 KB, highlighted for common
 * languages, with line numbers), images and PDFs as blob: URLs fetched with the key (an SVG only
 * as an <img>), and anything else as "binary file, N bytes" with a download button.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "urql";
import { useAuth } from "../../../app/auth";
import { graphql } from "../../../gql";
import type { ApiError } from "../../../lib/errors";
import { bytes } from "../../../lib/format";
import { ErrorList } from "../../../ui/ErrorList";
import { Loading, QueryState } from "../../../ui/States";
import { highlightLines, languageOf } from "./highlight";
import { baseName, extension, looksBinary, previewKind } from "./paths";
import { fetchFile, saveBlob } from "./transfer";

const PREVIEW_BYTES = 256 * 1024;

const ReadDoc = graphql(`
  query FilesPanelRead($workspaceId: ID!, $path: String!, $maxBytes: Int) {
    readFile(workspaceId: $workspaceId, path: $path, maxBytes: $maxBytes) {
      path
      content
      encoding
      size
      truncated
      version
    }
  }
`);

export function FilePreview({
  workspaceId,
  path,
  size,
  onClose,
}: {
  workspaceId: string;
  path: string;
  size: number;
  onClose: () => void;
}) {
  const kind = previewKind(path);
  const heading = useRef<HTMLHeadingElement>(null);
  // The preview opens below the list: take the reader (and keyboard focus) to it.
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="file-preview" aria-labelledby="file-preview-title" data-testid="file-preview">
      <div className="file-preview-header">
        <h3 id="file-preview-title" ref={heading} tabIndex={-1}>
          <code>{path}</code> <span className="muted">({bytes(size)})</span>
        </h3>
        <DownloadButton workspaceId={workspaceId} path={path} />
        <button type="button" className="button-ghost" onClick={onClose}>
          Close preview
        </button>
      </div>
      {kind === "text" ? (
        <TextPreview workspaceId={workspaceId} path={path} />
      ) : (
        <BlobPreview workspaceId={workspaceId} path={path} kind={kind} />
      )}
    </section>
  );
}

export function DownloadButton({
  workspaceId,
  path,
  compact = false,
}: {
  workspaceId: string;
  path: string;
  compact?: boolean;
}) {
  const key = useAuth().auth?.key ?? "";
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    const got = await fetchFile(key, workspaceId, path);
    setBusy(false);
    if ("error" in got) setError(got.error);
    else saveBlob(got.blob, baseName(path));
  };
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={busy}
        aria-label={compact ? `Download ${path}` : undefined}
        onClick={() => void download()}
      >
        {busy ? "Downloading…" : "Download"}
      </button>
      {error ? <ErrorList errors={[error]} title={`${path} was not downloaded`} /> : null}
    </>
  );
}

function TextPreview({ workspaceId, path }: { workspaceId: string; path: string }) {
  const [result] = useQuery({ query: ReadDoc, variables: { workspaceId, path, maxBytes: PREVIEW_BYTES } });
  return (
    <QueryState result={result} label="the file">
      {(data) => <TextContent path={path} file={data.readFile} />}
    </QueryState>
  );
}

function TextContent({ path, file }: { path: string; file: { content: string; size: number; truncated: boolean } }) {
  const ext = extension(path);
  const binary = looksBinary(file.content);
  const lines = useMemo(() => (binary ? [] : highlightLines(file.content, ext)), [binary, file.content, ext]);
  if (binary)
    return (
      <p className="state" data-testid="binary-file">
        Binary file, {file.size.toLocaleString()} bytes: download it to open it.
      </p>
    );
  const lang = languageOf(ext);
  return (
    <>
      {file.truncated ? (
        <p className="muted">
          Showing the first {bytes(PREVIEW_BYTES)} of {bytes(file.size)}: download the file for the rest.
        </p>
      ) : null}
      <div className="code-preview-wrap">
        <pre
          className={`code-preview${lang ? ` lang-${lang}` : ""}`}
          tabIndex={0}
          aria-label={`Content of ${path}`}
          data-language={lang ?? "plain"}
        >
          <code
            // Safe: every character of the file is escaped by highlightLines (unit-tested).
            dangerouslySetInnerHTML={{ __html: lines.map((l) => `<span class="line">${l}</span>`).join("\n") }}
          />
        </pre>
      </div>
    </>
  );
}

function BlobPreview({ workspaceId, path, kind }: { workspaceId: string; path: string; kind: "image" | "pdf" }) {
  const key = useAuth().auth?.key ?? "";
  const [state, setState] = useState<{ url: string } | { error: ApiError } | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let url: string | null = null;
    setState(null);
    fetchFile(key, workspaceId, path, abort.signal)
      .then((got) => {
        if ("error" in got) return setState({ error: got.error });
        url = URL.createObjectURL(got.blob);
        setState({ url });
      })
      .catch(() => {
        // aborted: the preview changed
      });
    return () => {
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [key, workspaceId, path]);
  if (state === null) return <Loading label="Loading the preview…" />;
  if ("error" in state) return <ErrorList errors={[state.error]} title="The preview could not be loaded" />;
  if (kind === "image")
    return (
      <div className="image-preview">
        <img src={state.url} alt={`Preview of ${path}`} data-testid="image-preview" />
      </div>
    );
  return (
    <div className="pdf-preview">
      <iframe src={state.url} title={`PDF preview of ${path}`} data-testid="pdf-preview" />
      <p>
        <a href={state.url} download={baseName(path)}>
          Download {baseName(path)}
        </a>{" "}
        if the PDF does not show here.
      </p>
    </div>
  );
}
