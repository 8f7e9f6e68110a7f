import { cloneElement, isValidElement, useId, useState, type ReactElement, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { JobState, JobTag } from '../api/types';

const STATE_LABEL: Record<string, string> = {
  running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled', timeout: 'Timeout',
  outOfMemory: 'Out of memory', nodeFail: 'Node failure', preempted: 'Preempted', requeued: 'Requeued',
  bootFail: 'Boot failure', deadline: 'Deadline', stopped: 'Stopped',
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

export const CLASSIFIER = 'jobmon-classifier';
export const isFinding = (tag: JobTag) => tag.createdBy === CLASSIFIER;

export function TagChip({ tag, onRemove, disabled }: { tag: JobTag; onRemove?: () => void; disabled?: boolean }) {
  const finding = isFinding(tag);
  const title = finding
    ? `Automatic finding${tag.reason ? `: ${tag.reason}` : ''}`
    : `${tag.visibility} tag by ${tag.createdBy}`;
  return (
    <span
      className={`chip ${finding ? 'chip-finding' : tag.visibility === 'public' ? 'chip-public' : ''}`}
      title={title}
      data-finding={finding ? tag.name : undefined}
    >
      {finding ? <span aria-hidden="true" className="chip-icon">⚑</span> : null}
      {tag.name}
      {finding ? <span className="sr-only"> (automatic finding{tag.reason ? `: ${tag.reason}` : ''})</span> : null}
      {onRemove ? (
        <button type="button" className="chip-remove" onClick={onRemove} disabled={disabled} aria-label={`Remove tag ${tag.name}`}>
          ×
        </button>
      ) : null}
    </span>
  );
}

/** A field's hint: its errors (from the form's check or the server's problem) or else the normal hint. */
export function fieldHint(errors: Record<string, string[]> | undefined, key: string, normal?: ReactNode): ReactNode {
  const list = errors?.[key];
  if (list?.length) return <span className="form-error" data-field-error={key}>{list.join(' ')}</span>;
  return normal;
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

/** A button that asks once more inline ("Revoke" → "Really revoke?") instead of a modal dialog. */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled }: { label: string; confirmLabel: string; onConfirm: () => void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="btn btn-small" onClick={() => setAsking(true)} disabled={disabled}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button type="button" className="btn btn-small btn-danger" onClick={() => { setAsking(false); onConfirm(); }} autoFocus>
        {confirmLabel}
      </button>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}

export function SectionError({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.status === 404) return <NotAvailable what={what} />;
  return <ErrorState error={error} title={`Could not load ${what.toLowerCase()}`} />;
}

