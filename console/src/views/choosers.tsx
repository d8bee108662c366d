import { useState } from "preact/hooks";

/**
 * Choosers shared by Functions and Settings: API scopes (grouped as Appwrite's console groups them), events (the
 * patterns Appwrite fires, with `*` wildcards, plus any typed one) and execute roles.
 */

/** The scopes a project key (and a function) may hold, Appwrite 1.9.6's app/config/scopes/project.php, by area. */
export const SCOPE_GROUPS: [string, string[]][] = [
  ["Auth", ["users", "sessions", "teams"]],
  ["Databases", ["databases", "tables", "columns", "indexes", "rows", "collections", "attributes", "documents"]],
  ["Storage", ["buckets", "files", "tokens"]],
  ["Functions", ["functions", "executions", "execution", "log"]],
  ["Messaging", ["providers", "topics", "subscribers", "targets", "messages"]],
  ["Project", ["project", "keys", "platforms", "webhooks", "policies", "project.policies", "templates", "oauth2", "mocks", "rules", "schedules", "migrations", "vcs", "sites"]],
  ["Other", ["locale.read", "avatars.read", "health.read", "assistant.read"]],
];
const expand = (s: string) => (s.includes(".read") ? [s] : [`${s}.read`, `${s}.write`]);
/** `sessions.read` is a key scope too; Appwrite lists it. */
const scopesOf = (group: string[]) => group.flatMap(expand);

export function ScopesChooser({ value, onChange, idPrefix }: { value: string[]; onChange: (v: string[]) => void; idPrefix: string }) {
  const has = new Set(value);
  const set = (scopes: string[], on: boolean) => {
    const next = new Set(has);
    for (const s of scopes) on ? next.add(s) : next.delete(s);
    onChange([...next]);
  };
  return (
    <fieldset class="field chooser">
      <legend>Scopes <span class="muted small">({value.length} chosen)</span></legend>
      <div class="actions start">
        <button type="button" class="quiet" onClick={() => onChange(SCOPE_GROUPS.flatMap(([, g]) => scopesOf(g)))}>Select all</button>
        <button type="button" class="quiet" onClick={() => onChange([])}>Clear</button>
      </div>
      {SCOPE_GROUPS.map(([name, group]) => {
        const all = scopesOf(group);
        const on = all.filter((s) => has.has(s)).length;
        return (
          <details key={name} class="scope-group">
            <summary>
              <span>{name}</span> <span class="muted small">{on}/{all.length}</span>
            </summary>
            <label class="checkline"><input type="checkbox" class="check" checked={on === all.length} onChange={(e) => set(all, (e.target as HTMLInputElement).checked)} /> All of {name}</label>
            <div class="scope-list">
              {all.map((s) => (
                <label class="checkline" key={s} for={`${idPrefix}-${s}`}>
                  <input id={`${idPrefix}-${s}`} type="checkbox" class="check" checked={has.has(s)} onChange={(e) => set([s], (e.target as HTMLInputElement).checked)} />
                  <code>{s}</code>
                </label>
              ))}
            </div>
          </details>
        );
      })}
    </fieldset>
  );
}

/** Event patterns Appwrite fires (app/config/events.php), the common ones; `*` matches any ID. */
export const EVENT_PATTERNS = [
  "users.*.create", "users.*.update", "users.*.delete", "users.*.sessions.*.create", "users.*.sessions.*.delete",
  "teams.*.create", "teams.*.update", "teams.*.delete", "teams.*.memberships.*.create", "teams.*.memberships.*.delete",
  "databases.*.create", "databases.*.delete", "databases.*.tables.*.create", "databases.*.tables.*.delete",
  "databases.*.tables.*.rows.*.create", "databases.*.tables.*.rows.*.update", "databases.*.tables.*.rows.*.delete",
  "buckets.*.create", "buckets.*.delete", "buckets.*.files.*.create", "buckets.*.files.*.update", "buckets.*.files.*.delete",
  "functions.*.create", "functions.*.update", "functions.*.delete", "functions.*.deployments.*.create",
  "functions.*.deployments.*.update", "functions.*.executions.*.create", "functions.*.executions.*.update",
  "messages.*.create", "messages.*.update", "messages.*.delete",
];

export function EventsChooser({ value, onChange, idPrefix }: { value: string[]; onChange: (v: string[]) => void; idPrefix: string }) {
  const [custom, setCustom] = useState("");
  const add = (e: string) => { const v = e.trim(); if (v && !value.includes(v)) onChange([...value, v]); };
  return (
    <fieldset class="field chooser">
      <legend>Events <span class="muted small">({value.length} chosen)</span></legend>
      {value.length > 0 && (
        <ul class="chips" aria-label="Chosen events">
          {value.map((e) => (
            <li key={e}><code>{e}</code> <button type="button" class="quiet chip-x" aria-label={`Remove ${e}`} onClick={() => onChange(value.filter((x) => x !== e))}>×</button></li>
          ))}
        </ul>
      )}
      <div class="bar">
        <label for={`${idPrefix}-event-pick`} class="sr-only">Add an event</label>
        <select id={`${idPrefix}-event-pick`} value="" onChange={(e) => { add((e.target as HTMLSelectElement).value); (e.target as HTMLSelectElement).value = ""; }}>
          <option value="">Add an event…</option>
          {EVENT_PATTERNS.filter((e) => !value.includes(e)).map((e) => <option key={e} value={e}>{e}</option>)}
        </select>
      </div>
      <div class="bar">
        <label for={`${idPrefix}-event-custom`} class="sr-only">Custom event</label>
        <input id={`${idPrefix}-event-custom`} placeholder="or type one, e.g. databases.shop.tables.orders.rows.*.create" value={custom}
          onInput={(e) => setCustom((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); add(custom); setCustom(""); } }} />
        <button type="button" class="quiet" onClick={() => { add(custom); setCustom(""); }}>Add</button>
      </div>
    </fieldset>
  );
}

/** Roles as Appwrite writes them (any, users, guests, user:ID, team:ID[/role], label:X), one per line or comma. */
export const parseRoles = (text: string) => [...new Set(text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean))];
