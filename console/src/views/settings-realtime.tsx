import type { RealtimeResponseEvent } from "@appwrite.io/console";
import { useRef, useState } from "preact/hooks";
import { useRealtime } from "./live";

/** Appwrite's realtime channels (the ones a project's socket serves), to pick from; any other can be typed. */
const CHANNELS = ["rows", "files", "executions", "documents", "teams", "memberships", "account", "console"];
const MAX = 200;

type Seen = RealtimeResponseEvent<unknown> & { n: number; at: number };

/** The project's realtime events, live: choose channels, see each event with its payload, pause and clear. */
export function RealtimeViewer({ projectId }: { projectId: string }) {
  const [channels, setChannels] = useState<string[]>(["rows", "files", "executions"]);
  const [custom, setCustom] = useState("");
  const [paused, setPaused] = useState(false);
  const [events, setEvents] = useState<Seen[]>([]);
  const [open, setOpen] = useState<number | null>(null);
  const counter = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const live = useRealtime(projectId, channels, (e) => {
    if (pausedRef.current) return;
    const n = ++counter.current;
    setEvents((list) => [{ ...e, n, at: Date.now() }, ...list].slice(0, MAX));
  });
  const toggle = (ch: string, on: boolean) => setChannels((c) => (on ? [...new Set([...c, ch])] : c.filter((x) => x !== ch)));
  const add = () => { const v = custom.trim(); if (v) toggle(v, true); setCustom(""); };
  return (
    <>
      <div class="heading">
        <h2>Realtime <span class={`live ${live ? "live-live" : ""}`}>{live ? "● connected" : channels.length ? "connecting…" : "no channel"}</span></h2>
        <div class="actions">
          <button type="button" class="quiet" aria-pressed={paused} onClick={() => setPaused(!paused)}>{paused ? "Resume" : "Pause"}</button>
          <button type="button" class="quiet" onClick={() => { setEvents([]); setOpen(null); }}>Clear</button>
        </div>
      </div>
      <p class="muted small">Every event of the project on the chosen channels, as a client subscribed to them receives it (the console sees all, whatever the resource's permissions). The latest {MAX} are kept.</p>
      <fieldset class="field chooser">
        <legend>Channels</legend>
        <div class="channel-list">
          {[...new Set([...CHANNELS, ...channels])].map((ch) => (
            <label class="checkline" key={ch}><input type="checkbox" class="check" checked={channels.includes(ch)} onChange={(e) => toggle(ch, (e.target as HTMLInputElement).checked)} /> <code>{ch}</code></label>
          ))}
        </div>
        <div class="bar">
          <label for="rt-channel" class="sr-only">Another channel</label>
          <input id="rt-channel" placeholder="another channel, e.g. databases.shop.tables.orders.rows" value={custom} onInput={(e) => setCustom((e.target as HTMLInputElement).value)} onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); add(); } }} />
          <button type="button" class="quiet" onClick={add}>Add channel</button>
        </div>
      </fieldset>
      {paused && <p class="muted" role="status">Paused: new events are not shown.</p>}
      {!events.length ? (
        <p class="muted" aria-live="polite">No events yet. Change a row, upload a file or run a function.</p>
      ) : (
        <ol class="list events" aria-label="Realtime events" aria-live="polite">
          {events.map((e) => (
            <li key={e.n} class="event">
              <button type="button" class="cell-btn event-head" aria-expanded={open === e.n} onClick={() => setOpen(open === e.n ? null : e.n)}>
                <span class="muted small">{new Date(e.at).toLocaleTimeString()}</span> <code>{e.events.find((x) => !x.includes("*")) ?? e.events[0] ?? "(event)"}</code>
              </button>
              {open === e.n && (
                <div class="event-body">
                  <p class="small"><strong>Events</strong></p>
                  <pre class="logs">{e.events.join("\n")}</pre>
                  <p class="small"><strong>Channels</strong></p>
                  <pre class="logs">{e.channels.join("\n")}</pre>
                  <p class="small"><strong>Payload</strong></p>
                  <pre class="logs" tabIndex={0} aria-label="Payload">{JSON.stringify(e.payload, null, 2)}</pre>
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
