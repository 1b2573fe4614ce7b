/** Light and dark themes: the system's by default, or the one chosen (kept in localStorage). */
import { useEffect, useState } from "react";

type Theme = "light" | "dark";
const key = "agent-system:theme";

function initial(): Theme {
  try {
    const saved = localStorage.getItem(key);
    if (saved === "light" || saved === "dark") return saved;
  } catch {
    // storage disabled
  }
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(initial);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const next: Theme = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="button-ghost"
      aria-label={`Switch to the ${next} theme`}
      title={`Switch to the ${next} theme`}
      onClick={() => {
        setTheme(next);
        try {
          localStorage.setItem(key, next);
        } catch {
          // storage disabled: this tab only
        }
      }}
    >
      {theme === "dark" ? "☀" : "☾"}
    </button>
  );
}
