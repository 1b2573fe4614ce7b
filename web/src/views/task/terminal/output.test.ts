import { describe, expect, it } from "vitest";
import { chunkText, commandLine, exitLine, kib, parseExit, seconds, stripAnsi, unwritten } from "./output";

describe("terminal output helpers", () => {
  it("writes only chunks above the last written seq, each once, in order", () => {
    const chunks = [1, 2, 3, 3, 2, 4, 5].map((seq) => ({ seq }));
    expect(unwritten(chunks, 0).map((c) => c.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(unwritten(chunks, 3).map((c) => c.seq)).toEqual([4, 5]);
    expect(unwritten(chunks, 9)).toEqual([]);
    // A replay after a reconnect repeats what was written: nothing doubles.
    const replay = [...chunks, { seq: 4 }, { seq: 5 }, { seq: 6 }];
    expect(unwritten(replay, 5).map((c) => c.seq)).toEqual([6]);
  });

  it("keeps stdout as it is and colours stderr red", () => {
    expect(chunkText({ stream: "STDOUT", data: "\x1b[32mok\x1b[0m\n" })).toBe("\x1b[32mok\x1b[0m\n");
    expect(chunkText({ stream: "STDERR", data: "bad\n" })).toBe("\x1b[31mbad\n\x1b[39m");
    expect(chunkText({ stream: "EXIT", data: "{}" })).toBe("");
  });

  it("says how a run ended", () => {
    const exit = parseExit(JSON.stringify({ status: "SUCCEEDED", exitCode: 0, signal: null }));
    expect(exit).toEqual({ status: "SUCCEEDED", exitCode: 0, signal: null });
    expect(exitLine(exit, 1234)).toBe("exit code 0 · 1.2 s");
    expect(exitLine(parseExit('{"status":"CANCELLED","exitCode":null,"signal":"SIGKILL"}'), 500)).toBe(
      "killed by SIGKILL · cancelled · 0.5 s",
    );
    expect(exitLine(parseExit("not json"), null)).toBe("ended");
    expect(exitLine(parseExit('{"status":"LIMIT_EXCEEDED","exitCode":null}'), 61_000)).toBe(
      "limit exceeded · 1 min 1 s",
    );
    expect(seconds(90)).toBe("0.1 s");
  });

  it("strips ANSI escapes for copies", () => {
    expect(stripAnsi("\x1b[1;31mred\x1b[0m plain \x1b]0;title\x07end")).toBe("red plain end");
  });

  it("formats command lines and memory", () => {
    expect(commandLine("python3", ["-c", "print('x')"])).toBe(`python3 -c 'print('\\''x'\\'')'`);
    expect(commandLine("ls", ["-la", "src/"])).toBe("ls -la src/");
    expect(kib(512)).toBe("512 KiB");
    expect(kib(2048)).toBe("2.0 MiB");
    expect(kib(null)).toBe("—");
  });
});
