import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ErrorState, Field } from '../../components/common';

/** The overtime sweep on demand; the reason is stored on every job end it appends (shown in each job's history). */
export function SweepNowPanel() {
  const [reason, setReason] = useState('');
  const sweep = useMutation({
    mutationFn: () => api<{ examined: number; ended: number }>('/api/admin/sweep', { method: 'POST', body: { reason: reason.trim() } }),
  });
  return (
    <section className="card" aria-labelledby="sweep-title">
      <h2 id="sweep-title">Overtime sweep</h2>
      <p className="muted small">Ends running jobs past their partition's MaxTime without an end report.</p>
      <div className="inline-form">
        <Field label="Reason (required)">
          <input name="sweep-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1024} placeholder="e.g. epilogs lost during the controller restart" />
        </Field>
        <button type="button" className="btn btn-primary" disabled={!reason.trim() || sweep.isPending} onClick={() => sweep.mutate()}>
          Sweep now
        </button>
      </div>
      {sweep.data ? <p role="status">Examined {sweep.data.examined} jobs, ended {sweep.data.ended}.</p> : null}
      {sweep.isError ? <ErrorState error={sweep.error} title="Could not sweep" /> : null}
    </section>
  );
}
