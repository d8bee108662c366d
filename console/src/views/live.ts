import type { RealtimeResponseEvent } from "@appwrite.io/console";
import { useEffect, useRef, useState } from "preact/hooks";
import { realtimeIn } from "../sdk";

/**
 * Subscribe to realtime `channels` of a project while mounted; `onEvent` sees every event. `live` says whether
 * the subscription is up (shown next to headings, so a user knows the list refreshes by itself).
 */
export function useRealtime(projectId: string, channels: string[], onEvent: (e: RealtimeResponseEvent<unknown>) => void, enabled = true) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [live, setLive] = useState(false);
  const key = channels.join("\n");
  useEffect(() => {
    if (!enabled || !channels.length) return;
    let sub: { close: () => Promise<void> } | null = null;
    let closed = false;
    realtimeIn(projectId).subscribe(channels, (e) => handler.current(e)).then(
      (s) => { if (closed) void s.close(); else { sub = s; setLive(true); } },
      () => setLive(false),
    );
    return () => {
      closed = true;
      setLive(false);
      void sub?.close();
    };
  }, [projectId, key, enabled]);
  return live;
}

/** Many events in a burst are one reload (150 ms). */
export function debounced(fn: () => void, ms = 150) {
  let t: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}
