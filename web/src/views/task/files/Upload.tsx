/** Upload of a file into the folder shown (PUT on the file route), with progress and the API's refusals. */
import { useId, useRef, useState, type FormEvent } from "react";
import { useAuth } from "../../../app/auth";
import type { ApiError } from "../../../lib/errors";
import { ErrorList } from "../../../ui/ErrorList";
import { join } from "./paths";
import { uploadFile } from "./transfer";

export function Upload({ workspaceId, dir, onDone }: { workspaceId: string; dir: string; onDone: () => void }) {
  const key = useAuth().auth?.key ?? "";
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<{ name: string; fraction: number } | null>(null);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [done, setDone] = useState("");

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const files = Array.from(input.current?.files ?? []);
    if (files.length === 0) {
      setErrors([{ code: "BAD_USER_INPUT", message: "Choose a file to upload." }]);
      return;
    }
    setErrors([]);
    setDone("");
    const failed: ApiError[] = [];
    const sent: string[] = [];
    for (const file of files) {
      const path = join(dir, file.name);
      setBusy({ name: file.name, fraction: 0 });
      const error = await uploadFile(key, workspaceId, path, file, (fraction) =>
        setBusy({ name: file.name, fraction }),
      );
      if (error) failed.push({ ...error, message: `${file.name}: ${error.message}` });
      else sent.push(file.name);
    }
    setBusy(null);
    setErrors(failed);
    if (sent.length > 0) {
      setDone(`Uploaded ${sent.join(", ")}.`);
      onDone();
    }
    if (input.current && failed.length === 0) input.current.value = "";
  };

  return (
    <form className="upload" onSubmit={(e) => void submit(e)} aria-label="Upload files">
      <label htmlFor={id}>Upload to {dir === "." ? "the workspace root" : dir}</label>
      <input id={id} ref={input} type="file" name="file" multiple data-testid="upload-input" />
      <button type="submit" className="button" disabled={busy !== null}>
        {busy ? "Uploading…" : "Upload"}
      </button>
      <span role="status" aria-live="polite" className="muted">
        {busy ? (
          <>
            Uploading {busy.name}{" "}
            <progress max={1} value={busy.fraction} aria-label={`Upload of ${busy.name}`}>
              {Math.round(busy.fraction * 100)}%
            </progress>
          </>
        ) : (
          done
        )}
      </span>
      <ErrorList errors={errors} title="The upload was refused" />
    </form>
  );
}
