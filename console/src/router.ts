import { useEffect, useState } from "preact/hooks";

/** A tiny history router under /console: paths are the console's own ("/project/p1/auth"). */
const BASE = "/console";

const current = () => (location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : "/") || "/";

export function navigate(path: string, replace = false) {
  if (replace) history.replaceState(null, "", BASE + path);
  else history.pushState(null, "", BASE + path);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): string[] {
  const [path, setPath] = useState(current);
  useEffect(() => {
    const on = () => setPath(current());
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  return path.split("/").filter(Boolean).map(decodeURIComponent);
}

/** An in-app link: a real <a href> (open in a new tab works), navigating without a reload on a plain click. */
export function onLink(e: MouseEvent) {
  const a = (e.target as HTMLElement).closest("a");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
  e.preventDefault();
  navigate(url.pathname.slice(BASE.length) || "/");
}

export const href = (path: string) => BASE + path;
