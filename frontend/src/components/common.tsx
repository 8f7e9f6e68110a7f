import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { JobState, JobTag } from '../api/types';

const STATE_LABEL: Record<string, string> = {
  running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled', timeout: 'Timeout',
};

/** Job state as a coloured badge with text (never colour alone). */
export function StateBadge({ state }: { state: JobState | string }) {
  return <span className={`badge state-${state}`}>{STATE_LABEL[state] ?? state}</span>;
}

/** A problem (RFC 7807) shown to people: title, detail, field errors and the correlation id to quote. */
export function ErrorState({ error, title, children }: { error: unknown; title?: string; children?: ReactNode }) {
  const problem = error instanceof ApiError ? error.problem : undefined;
  const status = error instanceof ApiError ? error.status : undefined;
  const heading = title ?? problem?.title ?? 'Something went wrong';
  const detail = problem?.detail ?? (error instanceof Error ? error.message : String(error));
  return (
    <div className="error-state" role="alert">
      <strong>{heading}</strong>
      {status ? <span className="muted"> (HTTP {status})</span> : null}
      {detail && detail !== heading ? <p>{detail}</p> : null}
      {problem?.errors ? (
        <ul>
          {Object.entries(problem.errors).map(([field, msgs]) => (
            <li key={field}>
              <code>{field}</code>: {msgs.join(' ')}
            </li>
          ))}
        </ul>
      ) : null}
      {problem?.correlationId ? (
        <p className="muted small">
          Correlation id: <code className="selectable">{problem.correlationId}</code>
        </p>
      ) : null}
      {children}
    </div>
  );
}

/** Shown when a planned endpoint isn't there yet (404) — a clear message rather than a broken page. */
export function NotAvailable({ what }: { what: string }) {
  return (
    <div className="notice" role="status">
      {what} is not available on this server yet.
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function TagChip({ tag, onRemove, disabled }: { tag: JobTag; onRemove?: () => void; disabled?: boolean }) {
  return (
    <span className={`chip ${tag.visibility === 'public' ? 'chip-public' : ''}`} title={`${tag.visibility} tag by ${tag.createdBy}`}>
      {tag.name}
      {onRemove ? (
        <button type="button" className="chip-remove" onClick={onRemove} disabled={disabled} aria-label={`Remove tag ${tag.name}`}>
          ×
        </button>
      ) : null}
    </span>
  );
}

/** A labelled form control; the label is tied to the control by id, so its accessible name is just the label. */
export function Field({ label, children, hint }: { label: string; children: ReactElement<{ id?: string; 'aria-describedby'?: string }>; hint?: ReactNode }) {
  const auto = useId();
  const id = (isValidElement(children) && children.props.id) || auto;
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id, ...(hint ? { 'aria-describedby': hintId } : {}) })}
      {hint ? (
        <span className="field-hint" id={hintId}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  return (
    <button
      type="button"
      className="btn"
      onClick={async (e) => {
        const button = e.currentTarget;
        try {
          await navigator.clipboard.writeText(text);
          button.textContent = 'Copied';
        } catch {
          // Clipboard API needs a secure context: select the text instead.
          const el = document.querySelector<HTMLElement>('[data-copy-source]');
          if (el) {
            const range = document.createRange();
            range.selectNodeContents(el);
            window.getSelection()?.removeAllRanges();
            window.getSelection()?.addRange(range);
          }
          button.textContent = 'Select and copy (Ctrl+C)';
        }
        setTimeout(() => (button.textContent = label), 2000);
      }}
    >
      {label}
    </button>
  );
}
