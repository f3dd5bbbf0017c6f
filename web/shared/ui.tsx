/** What every page builds with: states, list tables, pagers, dialogs, badges, copy buttons, fields. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Loaded } from './hooks';

/** Shown while something loads. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div class="state" role="status">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </div>
  );
}

/** Shown when a list has nothing in it yet. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** An error message with a retry button. */
export function ErrorBox({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div class="error" role="alert">
      {message}{' '}
      {retry && (
        <button type="button" class="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A state or kind as a coloured pill. */
export function Badge({ children, tone }: { children: ComponentChildren; tone?: string }) {
  return <span class={`badge ${tone ?? String(children)}`}>{children}</span>;
}

/** Copies `text` to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Without clipboard permission (plain HTTP), select the text for Ctrl+C instead.
      const range = document.createRange();
      const code = document.querySelector('[data-copy-source]');
      if (code) {
        range.selectNodeContents(code);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      }
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" onClick={copy} aria-live="polite">
      {copied ? 'Copied' : label}
    </button>
  );
}

/** A plaintext secret shown once, with a copy button and a warning. */
export function ShownOnce({ label, value }: { label: string; value: string }) {
  return (
    <div class="secret-once" role="region" aria-label={label}>
      <strong>{label}</strong>
      <div class="key">
        <code data-copy-source data-testid="plaintext">
          {value}
        </code>
        <CopyButton text={value} />
      </div>
      <span class="small">Copy it now: it is shown only this once and Keyward keeps no copy.</span>
    </div>
  );
}

/**
 * A modal dialog on the native <dialog> element: focus moves into it and stays there, Escape
 * closes it, and focus returns to where it was.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  footer?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-label={props.title} onClose={props.onClose} onCancel={props.onClose}>
      <div class="dialog-body">
        <h2>{props.title}</h2>
        {props.children}
      </div>
      {props.footer && <div class="dialog-foot">{props.footer}</div>}
    </dialog>
  );
}

/** A labelled form field. */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in
    <label class="field">
      <span>{label}</span>
      {children}
      {hint && <span class="hint">{hint}</span>}
    </label>
  );
}

/** Page title with actions on the right. */
export function PageHead({
  title,
  sub,
  children,
}: {
  title: string;
  sub?: string;
  children?: ComponentChildren;
}) {
  return (
    <div class="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <p class="muted">{sub}</p>}
      </div>
      {children && <div class="actions">{children}</div>}
    </div>
  );
}

/** Buttons choosing one of a few values (aria-pressed). */
export function Segmented<T extends string>(props: {
  value: T;
  options: [T, string][];
  onChange: (v: T) => void;
  label: string;
}) {
  return (
    <div class="segmented" role="group" aria-label={props.label}>
      {props.options.map(([value, text]) => (
        <button
          type="button"
          key={value}
          aria-pressed={props.value === value}
          onClick={() => props.onChange(value)}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

/** Splits a comma- or newline-separated list, dropping blanks. */
export function listOf(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The `plan` field of a key form: no plan, or one of the configured plans (loaded as `plans`). */
export function PlanSelect({
  plans,
  value,
}: {
  plans: readonly { name: string }[] | undefined;
  value?: string;
}) {
  return (
    <Field label="Plan">
      <select name="plan" value={value}>
        <option value="">No plan</option>
        {plans?.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A dialog form's buttons: its submit button (disabled while `busy`) and Cancel. */
export function DialogActions({
  submit,
  onCancel,
  busy,
}: {
  submit: ComponentChildren;
  onCancel: () => void;
  busy?: boolean;
}) {
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={busy}>
        {submit}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** Names (roles, credential kinds) as badges, or a muted dash when there are none. */
export function BadgeList({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <span class="muted">—</span>;
  return (
    <>
      {items.map((item) => (
        <Badge key={item} tone="role">
          {item}
        </Badge>
      ))}
    </>
  );
}

/**
 * Previous/Next through a cursor-paged list: `cursors` holds the cursor of every page after the
 * first that was opened, so Previous drops the last one and Next appends the list's `next`.
 */
export function Pager(props: {
  cursors: string[];
  setCursors: (cursors: string[]) => void;
  next: string | null | undefined;
}) {
  const { cursors, setCursors, next } = props;
  return (
    <div class="pager">
      <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        Previous
      </button>
      <span class="muted small">Page {cursors.length + 1}</span>
      <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
        Next
      </button>
    </div>
  );
}

/**
 * A loaded list as a table, with the states every list has: its load error (with Retry), a
 * spinner until the first answer, `empty` when it has no items, else a header row and a row per
 * item.
 */
export function ListTable<T>(props: {
  list: Loaded<{ items: T[] }>;
  /** What the spinner says (default "Loading"). */
  loading?: string;
  empty: ComponentChildren;
  head: ComponentChildren;
  row: (item: T) => ComponentChildren;
}) {
  const { list, loading, empty, head, row } = props;
  const items = list.data?.items;
  // A failed reload keeps the last items on screen under its error.
  return (
    <>
      {list.error && <ErrorBox message={list.error} retry={list.reload} />}
      {!items && !list.error && <Loading what={loading} />}
      {items?.length === 0 && empty}
      {items && items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>{items.map(row)}</tbody>
          </table>
        </div>
      )}
    </>
  );
}
