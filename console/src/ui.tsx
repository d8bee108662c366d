import type { ComponentChildren, ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "./sdk";

/** An error as Appwrite phrased it, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return <p class="error" role="alert">{messageOf(error)}</p>;
}

/** What to do when a list is empty: a sentence and, usually, the button that does it. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

/** A labelled input (the label is the accessible name). */
export function Field(props: { label: string; name: string; type?: string; value?: string; defaultValue?: string; required?: boolean; autoComplete?: string; pattern?: string; hint?: string; step?: string; maxLength?: number; minLength?: number; autoFocus?: boolean; onInput?: (v: string) => void }) {
  const id = `f-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={(props.type ?? "text") as "text"}
        value={props.value}
        defaultValue={props.defaultValue}
        required={props.required}
        autoComplete={props.autoComplete}
        pattern={props.pattern}
        step={props.step}
        maxLength={props.maxLength}
        minLength={props.minLength}
        autoFocus={props.autoFocus}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onInput={(e) => props.onInput?.((e.target as HTMLInputElement).value)}
      />
      {props.hint && <small id={`${id}-hint`}>{props.hint}</small>}
    </div>
  );
}

/** A modal dialog (the native <dialog>: focus moves in, Escape closes, focus returns). */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-label={title}>
      <h2>{title}</h2>
      {open && children}
    </dialog>
  );
}

/** A form whose submit runs `action`, shows its error and disables itself while it runs. */
export function useAction<A extends unknown[]>(action: (...a: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const run = async (...a: A) => {
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await action(...a);
      setDone(true);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run, setError };
}

/** Load something when `deps` change; `reload()` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export const formValues = (e: Event) => Object.fromEntries(new FormData(e.target as HTMLFormElement)) as Record<string, string>;

export const when = (iso: string) => (iso ? new Date(iso).toLocaleString() : "—");

/**
 * A view loaded on first use, as a chunk of its own (the first screen stays small): a "Loading…" line until it is
 * there, Appwrite-style error text if the chunk cannot be fetched.
 */
export function lazyView<P extends object>(load: () => Promise<{ default: ComponentType<P> }>) {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<void> | null = null;
  return function Lazy(props: P) {
    const [, setTick] = useState(0);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (loaded) return;
      pending ??= load().then((m) => {
        loaded = m.default;
      });
      pending.then(() => setTick((t) => t + 1), (e) => { pending = null; setError(e); });
    }, []);
    if (error) return <ErrorNote error={error} />;
    if (!loaded) return <p aria-busy="true" class="muted">Loading…</p>;
    const View = loaded;
    return <View {...props} />;
  };
}
