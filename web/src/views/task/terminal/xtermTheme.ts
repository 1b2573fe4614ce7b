/** The terminal's colours, from the page's CSS variables, with ANSI palettes readable in each theme. */
import type { ITheme } from "@xterm/xterm";

const darkPalette = {
  black: "#3a4050",
  red: "#ff8a80",
  green: "#7fd6a0",
  yellow: "#ffd479",
  blue: "#8fb5ff",
  magenta: "#e0a3ff",
  cyan: "#7fdbe6",
  white: "#e8eaef",
  brightBlack: "#a9b0be",
  brightRed: "#ffb4ab",
  brightGreen: "#a6f0c0",
  brightYellow: "#ffe7a3",
  brightBlue: "#b8d0ff",
  brightMagenta: "#f0c8ff",
  brightCyan: "#b0eef5",
  brightWhite: "#ffffff",
};

const lightPalette = {
  black: "#1b1f27",
  red: "#b3261e",
  green: "#176b36",
  yellow: "#6b4e00",
  blue: "#1a56c4",
  magenta: "#8a2a9e",
  cyan: "#006776",
  white: "#4d5566",
  brightBlack: "#4d5566",
  brightRed: "#9c1c14",
  brightGreen: "#0f5a2b",
  brightYellow: "#5c4300",
  brightBlue: "#123f94",
  brightMagenta: "#6d1f7d",
  brightCyan: "#004f5a",
  brightWhite: "#1b1f27",
};

export function isDark(): boolean {
  const theme = document.documentElement.dataset.theme;
  if (theme === "dark" || theme === "light") return theme === "dark";
  return matchMedia("(prefers-color-scheme: dark)").matches;
}

export function terminalTheme(): ITheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const dark = isDark();
  return {
    background: v("--code-bg", dark ? "#242833" : "#eef0f4"),
    foreground: v("--text", dark ? "#e8eaef" : "#1b1f27"),
    cursor: v("--text", dark ? "#e8eaef" : "#1b1f27"),
    selectionBackground: dark ? "#3a5a9a" : "#b9cdf5",
    ...(dark ? darkPalette : lightPalette),
  };
}
