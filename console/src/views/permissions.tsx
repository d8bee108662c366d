import { useEffect, useState } from "preact/hooks";

/** Appwrite's permission strings are `action("role")`; the editor is a grid of roles × actions over them. */
const PERM = /^(read|create|update|delete|write)\("(.+)"\)$/;

export const ITEM_ACTIONS = ["read", "update", "delete"] as const;
export const CONTAINER_ACTIONS = ["create", "read", "update", "delete"] as const;

type Grid = { role: string; actions: Set<string> }[];

function toGrid(perms: string[]): Grid {
  const grid: Grid = [];
  for (const p of perms) {
    const m = PERM.exec(p);
    if (!m) continue;
    let row = grid.find((r) => r.role === m[2]);
    if (!row) grid.push((row = { role: m[2]!, actions: new Set() }));
    // `write` is Appwrite's shorthand for create + update + delete.
    for (const a of m[1] === "write" ? ["create", "update", "delete"] : [m[1]!]) row.actions.add(a);
  }
  return grid;
}

const toPerms = (grid: Grid, actions: readonly string[]) => grid.flatMap((r) => actions.filter((a) => r.actions.has(a)).map((a) => `${a}("${r.role}")`));

/** Role kinds as Appwrite's Role helper names them; the ones with a value take an ID or a label. */
const KINDS = [
  { kind: "any", label: "Any (anyone, signed in or not)" },
  { kind: "users", label: "All users (signed in)" },
  { kind: "guests", label: "Guests (not signed in)" },
  { kind: "user", label: "User (by ID)", value: "User ID" },
  { kind: "team", label: "Team (by ID, optional role)", value: "Team ID, or teamId/role" },
  { kind: "label", label: "Label (users with it)", value: "Label" },
] as const;

/**
 * Roles × actions. `onSave` gets Appwrite's permission strings from a Save button; inside another form (create a
 * table) `onChange` gets them on every change instead. `actions` are an item's (row, file) or a container's
 * (table, bucket: create too).
 */
export function PermissionEditor({ value, actions, onSave, onChange, busy, id }: { value: string[]; actions: readonly string[]; onSave?: (perms: string[]) => void; onChange?: (perms: string[]) => void; busy?: boolean; id: string }) {
  const [grid, setGrid] = useState<Grid>(() => toGrid(value));
  useEffect(() => onChange?.(toPerms(grid, actions)), [grid]);
  const [kind, setKind] = useState<string>("any");
  const [roleValue, setRoleValue] = useState("");
  const needs = KINDS.find((k) => k.kind === kind && "value" in k);
  const add = () => {
    const role = needs ? `${kind}:${roleValue.trim()}` : kind;
    if (needs && !roleValue.trim()) return;
    if (!grid.some((r) => r.role === role)) setGrid([...grid, { role, actions: new Set(["read"]) }]);
    setRoleValue("");
  };
  const toggle = (role: string, action: string) =>
    setGrid(grid.map((r) => {
      if (r.role !== role) return r;
      const next = new Set(r.actions);
      if (next.has(action)) next.delete(action);
      else next.add(action);
      return { role, actions: next };
    }));
  return (
    <div class="perms">
      {grid.length === 0 ? <p class="muted">No permissions: only API keys and the console can reach it. Add a role below.</p> : (
        <table aria-label="Permissions">
          <thead><tr><th scope="col">Role</th>{actions.map((a) => <th scope="col" key={a}>{a}</th>)}<th><span class="sr-only">Remove</span></th></tr></thead>
          <tbody>
            {grid.map((r) => (
              <tr key={r.role}>
                <th scope="row"><code>{r.role}</code></th>
                {actions.map((a) => (
                  <td key={a}><input type="checkbox" class="check" aria-label={`${a} for ${r.role}`} checked={r.actions.has(a)} onChange={() => toggle(r.role, a)} /></td>
                ))}
                <td><button type="button" class="danger quiet" aria-label={`Remove ${r.role}`} onClick={() => setGrid(grid.filter((x) => x.role !== r.role))}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="bar">
        <label for={`${id}-kind`}>Add role</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          {KINDS.map((k) => <option key={k.kind} value={k.kind}>{k.label}</option>)}
        </select>
        {needs && "value" in needs && <input aria-label={needs.value} placeholder={needs.value} value={roleValue} onInput={(e) => setRoleValue((e.target as HTMLInputElement).value)} />}
        <button type="button" class="quiet" onClick={add}>Add</button>
      </div>
      {onSave && (
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => onSave(toPerms(grid, actions))}>{busy ? "Saving…" : "Save permissions"}</button>
        </div>
      )}
    </div>
  );
}
