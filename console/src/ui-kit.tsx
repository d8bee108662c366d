import type { ComponentChildren } from "preact";
import { Dialog, ErrorNote, formValues, useAction } from "./ui";

/** The signed-in views' shared pieces (re-exported by ui.tsx, kept out of the first screen's chunk). */
/** A section heading with its actions on the right (wraps under it on phones). */
export function Heading({ id, title, level = 1, children }: { id: string; title: string; level?: 1 | 2; children?: ComponentChildren }) {
  const H = level === 1 ? "h1" : "h2";
  return (
    <div class="heading">
      <H id={id}>{title}</H>
      {children && <div class="actions">{children}</div>}
    </div>
  );
}

/**
 * A dialog holding one form: submit runs `action` with the form's values, Appwrite's error stays in the dialog,
 * Cancel and Escape close it. `onDone` runs after a successful action.
 */
export function FormDialog({ title, open, onClose, action, submit, danger, children }: { title: string; open: boolean; onClose: () => void; action: (v: Record<string, string>, form: HTMLFormElement) => Promise<unknown>; submit: string; danger?: boolean; children: ComponentChildren }) {
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      <DialogForm action={action} submit={submit} danger={danger} onClose={onClose}>{children}</DialogForm>
    </Dialog>
  );
}

function DialogForm({ action, submit, danger, onClose, children }: { action: (v: Record<string, string>, form: HTMLFormElement) => Promise<unknown>; submit: string; danger?: boolean; onClose: () => void; children: ComponentChildren }) {
  const { busy, error, run } = useAction(action);
  return (
    <form onSubmit={(e) => { e.preventDefault(); void run(formValues(e), e.target as HTMLFormElement); }}>
      {children}
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={onClose}>Cancel</button>
        <button type="submit" class={danger ? "danger" : undefined} disabled={busy}>{submit}</button>
      </div>
    </form>
  );
}

/** "Are you sure?": a sentence and the one button that does it (focus starts on Cancel). */
export function Confirm({ title, open, onClose, action, confirm, children }: { title: string; open: boolean; onClose: () => void; action: () => Promise<unknown>; confirm: string; children: ComponentChildren }) {
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      <ConfirmBody action={action} confirm={confirm} onClose={onClose}>{children}</ConfirmBody>
    </Dialog>
  );
}

function ConfirmBody({ action, confirm, onClose, children }: { action: () => Promise<unknown>; confirm: string; onClose: () => void; children: ComponentChildren }) {
  const { busy, error, run } = useAction(action);
  return (
    <>
      {children}
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" autoFocus onClick={onClose}>Cancel</button>
        <button type="button" class="danger" disabled={busy} onClick={() => void run()}>{confirm}</button>
      </div>
    </>
  );
}

/** An on/off switch: a real button with role="switch" (Space and Enter flip it), its label the accessible name. */
export function Toggle({ label, checked, onChange, disabled, hint }: { label: string; checked: boolean; onChange: (on: boolean) => void; disabled?: boolean; hint?: string }) {
  return (
    <div class="toggle">
      <button type="button" role="switch" aria-checked={checked} disabled={disabled} onClick={() => onChange(!checked)}>
        <span class="knob" aria-hidden="true" />
        <span class="toggle-label">{label}</span>
      </button>
      {hint && <small class="muted">{hint}</small>}
    </div>
  );
}

/**
 * A list's states in one place: Appwrite's error, "Loading…" the first time, the empty state, else the list.
 * While a reload runs the old list stays (aria-busy).
 */
export function ListState<T>({ state, items, empty, children }: { state: { error?: unknown; loading: boolean; data?: unknown }; items: T[] | undefined; empty: ComponentChildren; children: (items: T[]) => ComponentChildren }) {
  if (state.error) return <ErrorNote error={state.error} />;
  if (!items) return <p aria-busy="true" class="muted">Loading…</p>;
  if (!items.length) return <>{empty}</>;
  return <div aria-busy={state.loading}>{children(items)}</div>;
}

/** A JSON object typed in a textarea, refused before any call when it is not one. */
export function parseObject(text: string, what = "Preferences"): Record<string, unknown> {
  const v: unknown = JSON.parse(text || "{}");
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error(`${what} are a JSON object.`);
  return v as Record<string, unknown>;
}

/**
 * One value saved on its own: label, the input and its Save button on one line, the hint, then Appwrite's refusal
 * or "Saved." under it. Keyed by the saved value, so a reload shows the server's; a password is cleared once saved.
 */
export function SaveField({ id, label, type, value, save, saveLabel, hint, onSave, children }: { id: string; label: string; type?: string; value: string; save?: string; saveLabel: string; hint?: string; onSave: (v: string, form: HTMLFormElement) => Promise<unknown>; children?: ComponentChildren }) {
  const { busy, error, done, run } = useAction(async (v: string, form: HTMLFormElement) => {
    await onSave(v, form);
    if (type === "password") form.reset();
  });
  return (
    <form class="one-field" onSubmit={(e) => { e.preventDefault(); void run(formValues(e).value ?? "", e.target as HTMLFormElement); }}>
      <label for={id}>{label}</label>
      <div class="one-row">
        <input key={value} id={id} name="value" type={(type ?? "text") as "text"} defaultValue={value} step={type === "number" ? "any" : undefined} autoComplete={type === "password" ? "new-password" : "off"} aria-describedby={hint ? `${id}-hint` : undefined} />
        {children}
        <button type="submit" class="quiet" disabled={busy} aria-label={save ? saveLabel : undefined}>{save ?? saveLabel}</button>
      </div>
      {hint && <small id={`${id}-hint`} class="muted">{hint}</small>}
      <ErrorNote error={error} />
      {done && !error && <p class="muted small" role="status">Saved.</p>}
    </form>
  );
}
