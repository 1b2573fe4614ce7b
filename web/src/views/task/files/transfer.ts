/** Download and upload of workspace files over the HTTP route, with the key's Authorization header. */
import type { ApiError } from "../../../lib/errors";
import { baseName, blobType, fileUrl } from "./paths";

/** The route's error body ({ error: { code, message } }) or the status as an error. */
function httpError(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.code) return { code: parsed.error.code, message: parsed.error.message ?? `HTTP ${status}` };
  } catch {
    // not JSON
  }
  return {
    code: status === 413 ? "PAYLOAD_TOO_LARGE" : `HTTP_${status}`,
    message: body.slice(0, 200) || `HTTP ${status}`,
  };
}

export type Fetched = { blob: Blob } | { error: ApiError };

/** The file's bytes as a Blob of the type its extension says. */
export async function fetchFile(
  key: string,
  workspaceId: string,
  path: string,
  signal?: AbortSignal,
): Promise<Fetched> {
  try {
    const res = await fetch(fileUrl(workspaceId, path), { headers: { authorization: `Bearer ${key}` }, signal });
    if (!res.ok) return { error: httpError(res.status, await res.text()) };
    const buf = await res.arrayBuffer();
    return { blob: new Blob([buf], { type: blobType(path) }) };
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    return { error: { code: "NETWORK_ERROR", message: `The server could not be reached: ${(err as Error).message}` } };
  }
}

/** Saves a Blob under a name (an <a download> on a blob: URL). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export async function downloadFile(key: string, workspaceId: string, path: string): Promise<ApiError | null> {
  const got = await fetchFile(key, workspaceId, path);
  if ("error" in got) return got.error;
  saveBlob(got.blob, baseName(path));
  return null;
}

/** PUT the file's bytes to the path; `progress` gets the fraction sent (0–1). */
export function uploadFile(
  key: string,
  workspaceId: string,
  path: string,
  file: Blob,
  progress: (fraction: number) => void,
): Promise<ApiError | null> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", fileUrl(workspaceId, path, true));
    xhr.setRequestHeader("authorization", `Bearer ${key}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) progress(e.loaded / e.total);
    };
    xhr.onload = () => resolve(xhr.status >= 200 && xhr.status < 300 ? null : httpError(xhr.status, xhr.responseText));
    xhr.onerror = () => resolve({ code: "NETWORK_ERROR", message: "The upload did not reach the server." });
    xhr.send(file);
  });
}
