import { useRef, type KeyboardEvent, type ReactNode } from "react";
import { navigate, useLocation } from "../../app/router";

export const tabs = [
  ["timeline", "Timeline"],
  ["conversation", "Conversation"],
  ["commands", "Commands"],
  ["files", "Files"],
  ["sources", "Sources"],
  ["channel", "Channel"],
  ["tree", "Tree"],
] as const;

export type TabKey = (typeof tabs)[number][0];

const isTab = (v: string | null): v is TabKey => tabs.some(([k]) => k === v);

/** The tab in the URL (?tab=files); setting it replaces the history entry. */
export function useTab(): [TabKey, (tab: TabKey) => void] {
  const { path, search } = useLocation();
  const value = search.get("tab");
  const current = isTab(value) ? value : "timeline";
  const set = (tab: TabKey) => {
    const next = new URLSearchParams(search);
    if (tab === "timeline") next.delete("tab");
    else next.set("tab", tab);
    const q = next.toString();
    navigate(`${path}${q ? `?${q}` : ""}`, true);
  };
  return [current, set];
}

/**
 * An ARIA tablist: arrow keys, Home and End move between the tabs and select them; the selected
 * tab is the only one in the tab order. The panel of `current` is rendered by `children`.
 */
export function Tabs({
  current,
  onChange,
  children,
}: {
  current: TabKey;
  onChange: (tab: TabKey) => void;
  children: (key: TabKey) => ReactNode;
}) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = tabs.findIndex(([k]) => k === current);
    let next = -1;
    if (e.key === "ArrowRight") next = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    onChange(tabs[next]![0]);
    refs.current[next]?.focus();
  };
  const content = current === "timeline" ? null : children(current);
  return (
    <>
      <div role="tablist" aria-label="Task details" className="tablist" onKeyDown={onKeyDown}>
        {tabs.map(([key, label], i) => (
          <button
            key={key}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`task-tab-${key}`}
            aria-selected={key === current}
            aria-controls={key === current ? `task-panel-${key}` : undefined}
            tabIndex={key === current ? 0 : -1}
            className="tab"
            onClick={() => onChange(key)}
          >
            {label}
          </button>
        ))}
      </div>
      {content !== null ? (
        <div role="tabpanel" id={`task-panel-${current}`} aria-labelledby={`task-tab-${current}`} tabIndex={0}>
          {content}
        </div>
      ) : null}
    </>
  );
}
