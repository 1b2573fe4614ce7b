/**
 * Downloads a workspace file through the file route (GET /workspaces/:id/files/<path>), which
 * wants the API key in the Authorization header: fetched, then saved from a blob URL.
 */
export function fileUrl(workspaceId: string, path: string): string {
  return `/workspaces/${encodeURIComponent(workspaceId)}/files/${path.split("/").map(encodeURIComponent).join("/")}`;
}

export async function downloadFile(key: string, workspaceId: string, path: string): Promise<void> {
  const res = await fetch(fileUrl(workspaceId, path), { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as {
        error?: { code?: string; message?: string };
        message?: string;
        code?: string;
      };
      message = `${body.error?.code ?? body.code ?? res.status}: ${body.error?.message ?? body.message ?? message}`;
    } catch {
      // not JSON: keep the status
    }
    throw new Error(message);
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = path.split("/").pop() ?? "download";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
