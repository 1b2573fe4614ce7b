/**
 * One command run's output in a read-only xterm.js terminal: replay then live (commandOutput via
 * useSeqStream), ANSI kept, stderr in red, an exit line at the EXIT chunk. After a reconnect the
 * stream resumes after the last seq, and only chunks above the last written one are written.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import { useClient } from "urql";
import { graphql } from "../../../gql";
import { useSeqStream } from "../../../app/stream";
import { ErrorList } from "../../../ui/ErrorList";
import { saveBlob } from "../files/transfer";
import { chunkText, exitLine, parseExit, stripAnsi, unwritten, type OutputChunk } from "./output";
import { terminalTheme } from "./xtermTheme";

const CommandOutputDoc = graphql(`
  subscription TermCommandOutput($runId: ID!, $afterSeq: Int) {
    commandOutput(runId: $runId, afterSeq: $afterSeq) {
      seq
      stream
      data
      createdAt
    }
  }
`);

const RunEndDoc = graphql(`
  query TermRunEnd($id: ID!) {
    commandRun(id: $id) {
      id
      status
      exitCode
      signal
      limit
      durationMs
      cpuTimeMs
      maxRssKb
      finishedAt
    }
  }
`);

/** What the terminal's element offers to tests and tools: its whole buffer as text. */
export interface TerminalElement extends HTMLDivElement {
  terminalText?: () => string;
}

export function RunTerminal({ runId, label }: { runId: string; label: string }) {
  const client = useClient();
  const box = useRef<TerminalElement>(null);
  const term = useRef<Terminal | null>(null);
  const lastWritten = useRef(0);
  const raw = useRef<string[]>([]);
  const exitWritten = useRef(false);
  const [ended, setEnded] = useState(false);
  const [copyNote, setCopyNote] = useState("");

  const stream = useSeqStream(CommandOutputDoc, { runId }, (d) => d.commandOutput as OutputChunk);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
    const t = new Terminal({
      disableStdin: true,
      cursorBlink: false,
      cursorInactiveStyle: "none",
      convertEol: true,
      scrollback: 20_000,
      fontSize: 13,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      theme: terminalTheme(),
      smoothScrollDuration: reduce ? 0 : 80,
      screenReaderMode: false,
    });
    const fit = new FitAddon();
    t.loadAddon(fit);
    t.open(el);
    // xterm's input textarea: read only here (labelled below).
    const input = el.querySelector("textarea");
    if (input) input.readOnly = true;
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // not laid out yet
      }
    };
    refit();
    const resize = new ResizeObserver(refit);
    resize.observe(el);
    const themes = new MutationObserver(() => (t.options.theme = terminalTheme()));
    themes.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    el.terminalText = () => {
      const buf = t.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? "");
      while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
      return lines.join("\n");
    };
    term.current = t;
    // A new terminal (also when React mounts twice in development) is written from the first chunk.
    lastWritten.current = 0;
    raw.current = [];
    exitWritten.current = false;
    return () => {
      resize.disconnect();
      themes.disconnect();
      delete el.terminalText;
      term.current = null;
      t.dispose();
    };
  }, []);

  useEffect(() => {
    box.current?.querySelector("textarea")?.setAttribute("aria-label", `${label} (read only)`);
  }, [label]);

  useEffect(() => {
    const t = term.current;
    if (!t) return;
    for (const chunk of unwritten(stream.items, lastWritten.current)) {
      lastWritten.current = chunk.seq;
      if (chunk.stream === "EXIT") {
        if (exitWritten.current) continue;
        exitWritten.current = true;
        const exit = parseExit(chunk.data);
        void client
          .query(RunEndDoc, { id: runId }, { requestPolicy: "network-only" })
          .toPromise()
          .then((r) => {
            const line = exitLine(exit, r.data?.commandRun?.durationMs ?? null);
            const last = raw.current[raw.current.length - 1] ?? "\n";
            raw.current.push(`${last.endsWith("\n") ? "" : "\n"}${line}\n`);
            const now = term.current;
            if (!now || now !== t) return;
            // Once what was written is parsed: a new line first only if the output did not end one.
            now.write("", () => {
              const fresh = now.buffer.active.cursorX > 0 ? "\r\n" : "";
              now.write(`${fresh}\x1b[0;1m${line}\x1b[0m\r\n`, () => setEnded(true));
            });
          });
        continue;
      }
      raw.current.push(chunk.data);
      t.write(chunkText(chunk));
    }
  }, [stream.items, client, runId]);

  const text = () => stripAnsi(raw.current.join(""));
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text());
      setCopyNote("Output copied.");
    } catch {
      setCopyNote("Copying is not allowed here: use Download output.");
    }
  };
  const download = () => saveBlob(new Blob([text()], { type: "text/plain;charset=utf-8" }), `run-${runId}.txt`);

  return (
    <div className="run-terminal">
      <ErrorList errors={stream.errors} title="The output stream failed" />
      <div
        ref={box}
        className="terminal-box"
        role="region"
        aria-label={label}
        data-testid="terminal"
        data-ended={ended ? "true" : "false"}
      />
      <div className="terminal-actions">
        <button type="button" className="button" onClick={() => void copy()}>
          Copy output
        </button>
        <button type="button" className="button" onClick={download}>
          Download output
        </button>
        <span className="muted" role="status" aria-live="polite">
          {copyNote || (ended ? "Ended." : stream.done ? "" : "Following live…")}
        </span>
      </div>
    </div>
  );
}
