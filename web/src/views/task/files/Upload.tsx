/**
 * Upload into the folder shown (PUT on the file route), or to a path typed in "Save as" (one
 * file): progress while it is sent, then the API's refusals with their codes (415 type, 413
 * size, 409 lock, POLICY_DENIED path…).
 */
import { useId, useRef, useState, type FormEvent } from "react";
import { useAuth } from "../../../app/auth";
import type { ApiError } from "../../../lib/errors";
import { ErrorList } from "../../../ui/ErrorList";
import { Field } from "../../../ui/Field";
import { join, unsendable } from "./paths";
import { uploadFile } from "./transfer";

export function Upload({ workspaceId, dir, onDone }: { workspaceId: string; dir: string; onDone: () => void }) {
  const key = useAuth().auth?.key ?? "";
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [saveAs, setSaveAs] = useState("");
  const [pathError, setPathError] = useState<string | undefined>();
  const [busy, setBusy] = useState<{ name: string; fraction: number } | null>(null);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [done, setDone] = useState("");

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const files = Array.from(input.current?.files ?? []);
    setErrors([]);
    setDone("");
    setPathError(undefined);
    if (files.length === 0) {
      setErrors([{ code: "BAD_USER_INPUT", message: "Choose a file to upload." }]);
      return;
    }
    const typed = saveAs.trim();
    if (typed) {
      if (files.length > 1) return setPathError("Save as takes one file: choose one, or leave it empty.");
      const why = unsendable(typed);
      if (why) return setPathError(why);
    }
    const failed: ApiError[] = [];
    const sent: string[] = [];
    for (const file of files) {
      const path = typed || join(dir, file.name);
      setBusy({ name: file.name, fraction: 0 });
      const error = await uploadFile(key, workspaceId, path, file, (fraction) =>
        setBusy({ name: file.name, fraction }),
      );
      if (error) failed.push({ ...error, message: `${path}: ${error.message}` });
      else sent.push(path);
    }
    setBusy(null);
    setErrors(failed);
    if (sent.length > 0) {
      setDone(`Uploaded ${sent.join(", ")}.`);
      onDone();
    }
    if (failed.length === 0) {
      if (input.current) input.current.value = "";
      setSaveAs("");
    }
  };

  return (
    <form className="upload" onSubmit={(e) => void submit(e)} aria-label="Upload files" noValidate>
      <div className="field">
        <label htmlFor={id}>Upload to {dir === "." ? "the workspace root" : dir}</label>
        <input id={id} ref={input} type="file" name="file" multiple data-testid="upload-input" />
      </div>
      <Field
        label="Save as (optional)"
        error={pathError}
        hint="A path in the workspace for one file; empty: the folder shown and the file's name."
      >
        {(p) => (
          <input
            {...p}
            type="text"
            name="saveAs"
            spellCheck={false}
            autoComplete="off"
            value={saveAs}
            placeholder={join(dir, "name.ext")}
            onChange={(e) => setSaveAs(e.target.value)}
          />
        )}
      </Field>
      <button type="submit" className="button" disabled={busy !== null}>
        {busy ? "Uploading…" : "Upload"}
      </button>
      <span role="status" aria-live="polite" className="muted upload-status">
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
