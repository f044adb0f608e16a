import { useCallback, useEffect, useState } from "react";

export type Theme = "light" | "dark";

function systemTheme(): Theme {
  return typeof window !== "undefined" && window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Follows prefers-color-scheme until the reviewer picks a theme; the choice is remembered. */
export function useTheme(): [Theme, () => void] {
  const [chosen, setChosen] = useState<Theme | null>(() => {
    const forced = typeof window !== "undefined" ? new URLSearchParams(window.location.search).get("theme") : null;
    if (forced === "light" || forced === "dark") return forced;
    const saved = typeof localStorage !== "undefined" ? localStorage.getItem("countersign.theme") : null;
    return saved === "light" || saved === "dark" ? saved : null;
  });
  const [system, setSystem] = useState<Theme>(systemTheme);
  useEffect(() => {
    const mq = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!mq) return;
    const f = () => setSystem(mq.matches ? "dark" : "light");
    mq.addEventListener?.("change", f);
    return () => mq.removeEventListener?.("change", f);
  }, []);
  const theme = chosen ?? system;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = useCallback(() => {
    const next = theme === "dark" ? "light" : "dark";
    setChosen(next);
    try {
      localStorage.setItem("countersign.theme", next);
    } catch {
      // storage may be unavailable; the choice then lasts for the session
    }
  }, [theme]);
  return [theme, toggle];
}
