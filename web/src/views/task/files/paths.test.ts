import { describe, expect, it } from "vitest";
import {
  baseName,
  blobType,
  breadcrumbs,
  childrenOf,
  extension,
  fileUrl,
  join,
  looksBinary,
  normalize,
  parentOf,
  previewKind,
  unsendable,
} from "./paths";

describe("workspace paths", () => {
  it("makes breadcrumbs from the root", () => {
    expect(breadcrumbs(".")).toEqual([{ name: "workspace", path: "." }]);
    expect(breadcrumbs("src/lib/")).toEqual([
      { name: "workspace", path: "." },
      { name: "src", path: "src" },
      { name: "lib", path: "src/lib" },
    ]);
  });

  it("normalizes, joins and splits", () => {
    expect(normalize("./a//b/")).toBe("a/b");
    expect(normalize("")).toBe(".");
    expect(join(".", "x.txt")).toBe("x.txt");
    expect(join("a/b", "c")).toBe("a/b/c");
    expect(baseName("a/b/c.txt")).toBe("c.txt");
    expect(parentOf("a/b/c.txt")).toBe("a/b");
    expect(parentOf("c.txt")).toBe(".");
  });

  it("keeps a folder's direct children, folders first", () => {
    const entries = [
      { path: "src", type: "DIRECTORY" },
      { path: "src/z.ts", type: "FILE" },
      { path: "src/a", type: "DIRECTORY" },
      { path: "src/a/deep.ts", type: "FILE" },
      { path: "README.md", type: "FILE" },
    ];
    expect(childrenOf(entries, ".").map((e) => e.path)).toEqual(["src", "README.md"]);
    expect(childrenOf(entries, "src").map((e) => e.path)).toEqual(["src/a", "src/z.ts"]);
  });

  it("chooses the preview by extension", () => {
    expect(previewKind("a/pic.PNG")).toBe("image");
    expect(previewKind("draw.svg")).toBe("image");
    expect(previewKind("doc.pdf")).toBe("pdf");
    expect(previewKind("Makefile")).toBe("text");
    expect(extension(".bashrc")).toBe("");
    expect(blobType("x.svg")).toBe("image/svg+xml");
    expect(blobType("x.bin")).toBe("application/octet-stream");
  });

  it("encodes each segment of the file route", () => {
    expect(fileUrl("w 1", "dir/a b#?.txt")).toBe("/workspaces/w%201/files/dir/a%20b%23%3F.txt");
    expect(fileUrl("w", "./a//b")).toBe("/workspaces/w/files/a/b");
    // As typed, the API judges the path: a leading "/" stays (an absolute path, refused there).
    expect(fileUrl("w", "/etc/x", true)).toBe("/workspaces/w/files//etc/x");
  });

  it("refuses only what a URL cannot carry", () => {
    expect(unsendable("../x")).toMatch(/\.\./);
    expect(unsendable("a/%2E%2E/x")).toMatch(/\.\./);
    expect(unsendable(" ")).toBe("Give a path.");
    expect(unsendable("/etc/passwd")).toBeNull();
    expect(unsendable("a..b/c")).toBeNull();
  });

  it("tells bytes read as text", () => {
    expect(looksBinary("plain text\n")).toBe(false);
    expect(looksBinary("ELF\u0000\u0001")).toBe(true);
    expect(looksBinary("\uFFFD\uFFFDPNG\uFFFD")).toBe(true);
    expect(looksBinary("caf\uFFFD au lait ".repeat(2) + "x".repeat(5000))).toBe(false);
  });
});
