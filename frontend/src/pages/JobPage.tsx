import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Catalogue, JobDetail, JobTag, TagResult } from '../api/types';
import { isAdmin, useMe } from '../auth';
import { ErrorState, Field, isFinding, Loading, StateBadge, TagChip } from '../components/common';
import { useCatalogue } from '../api/catalogue';
import { formatUnit, prefersBinary } from '../lib/format';
import { MetricsSection } from '../components/MetricsSection';
import { JobPerformance } from '../components/JobPerformance';
import { formatDateTime, formatDuration, formatDurationClock, formatRelative } from '../lib/format';
import { compressHostlist } from '../lib/hostlist';
import { decodeWaitStatus, eventTitle, type HistoryEvent } from '../lib/jobs';
import { describeEvent } from '../lib/history';
import { tagPageFor } from '../lib/tags';

export default function JobPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const job = useQuery({
    queryKey: ['job', id],
    queryFn: ({ signal }) => api<JobDetail>(`/api/jobs/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (q) => (q.state.data?.state === 'running' ? 30_000 : false),
  });

  useEffect(() => {
    if (job.data) document.title = `${job.data.jobId} ${job.data.name} · Jobmon`;
  }, [job.data]);

  if (job.isPending) return <Loading label="Loading job…" />;
  if (job.isError) {
    const notFound = job.error instanceof ApiError && (job.error.status === 404 || job.error.status === 400);
    return notFound ? (
      <div className="notice" role="alert">
        <h1>Job not found</h1>
        <p>There is no such job, or it is not yours to see.</p>
        <p><Link to="/jobs">Back to the jobs list</Link></p>
      </div>
    ) : (
      <ErrorState error={job.error} title="Could not load the job" />
    );
  }
  const j = job.data;
  return (
    <div className="job-page">
      <p className="breadcrumb"><Link to="/jobs">← Jobs</Link></p>
      <div className="page-head">
        <h1>
          Job {j.jobId}{j.arrayJobId != null ? ` (array ${j.arrayJobId}_${j.arrayTaskId})` : ''} <span className="muted">on {j.cluster}</span>
        </h1>
        <StateBadge state={j.state} />
      </div>
      <p className="job-name">{j.name || <span className="muted">(no name)</span>}</p>
      <JobMetadata job={j} />
      {j.findings?.length ? <Findings job={j} /> : null}
      <Tags job={j} />
      {j.statistics && Object.keys(j.statistics).length ? <Statistics job={j} /> : null}
      <section className="card" aria-labelledby="metrics-title">
        <h2 id="metrics-title">Metrics</h2>
        <MetricsSection job={j} />
      </section>
      <JobPerformance jobId={j.id} />
      {j.jobScript ? (
        <details className="card">
          <summary>Job script</summary>
          <pre className="script">{j.jobScript}</pre>
        </details>
      ) : null}
      {isAdmin(me.data) ? <AdminActions job={j} /> : null}
      <History id={j.id} version={j.version} />
    </div>
  );
}

function JobMetadata({ job: j }: { job: JobDetail }) {
  const exit = j.exitCode === null ? null : j.exitDescription || decodeWaitStatus(j.exitCode);
  const rows: [string, React.ReactNode][] = [
    ['User', `${j.user || '?'}${j.userId !== null ? ` (uid ${j.userId})` : ''}`],
    ['Group', `${j.group || '?'}${j.groupId !== null ? ` (gid ${j.groupId})` : ''}`],
    ['Account', j.account || '–'],
    ['Partition', j.partition || '–'],
    ['Start', j.startKnown ? formatDateTime(j.startTime) : 'unknown (only the end was reported)'],
    ['End', j.stopTime ? formatDateTime(j.stopTime) : j.state === 'running' ? 'still running' : '–'],
    ['Duration', <span title={formatDurationClock(j.durationSeconds)}>{formatDuration(j.durationSeconds)}{j.state === 'running' ? ' so far' : ''}</span>],
    ['Nodes', `${j.numNodes}`],
    ['Tasks', `${j.numTasks} (${j.tasksPerNode} per node)`],
    ['CPUs', j.numCpus != null ? `${j.numCpus}` : '–'],
    ['GPUs', `${j.totalGpus} (${j.gpusPerNode} per node)`],
    ['Exit', exit === null ? j.exitDescription || '–' : (
      <span>
        {exit} <span className="muted">(wait status {j.exitCode})</span>
        {j.firstReportedEnd ? <span className="muted"> — SLURM's final record; first reported: {j.firstReportedEnd}</span> : null}
      </span>
    )],
    ['End reason', j.endReason || '–'],
  ];
  const s = j.scheduler;
  if (s) {
    // Reported by a ClusterCockpit client (cc-slurm-adapter): the requested time limit and when the job was submitted.
    rows.push(['Walltime', s.walltimeSeconds ? <span title={formatDurationClock(s.walltimeSeconds)}>{formatDuration(s.walltimeSeconds)}</span> : '–']);
    rows.push(['Submitted', s.submitTime ? formatDateTime(s.submitTime) : '–']);
    if (s.arrayJobId) rows.push(['Array job', `${s.arrayJobId}`]);
    if (s.numHwthreads) rows.push(['HW threads', `${s.numHwthreads}${s.smt ? ` (SMT ${s.smt})` : ''}`]);
    if (s.shared && s.shared !== 'none') rows.push(['Shared', s.shared]);
  }
  return (
    <section className="card" aria-label="Job details">
      <dl className="meta-grid">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
        <div className="meta-wide">
          <dt>Node list</dt>
          <dd>
            <code className="selectable">{j.nodes.length ? compressHostlist(j.nodes) : '–'}</code>
            <NodeLinks job={j} />
          </dd>
        </div>
      </dl>
    </section>
  );
}

/** The automatic classification's findings (e.g. idle GPUs), with the reason for each. */
function Findings({ job }: { job: JobDetail }) {
  return (
    <section className="card findings" aria-labelledby="findings-title">
      <h2 id="findings-title"><span aria-hidden="true">⚑ </span>Findings</h2>
      <ul>
        {job.findings!.map((f) => (
          <li key={f.tag} data-finding={f.tag}>
            <strong>{f.tag}</strong>: {f.reason}
          </li>
        ))}
      </ul>
      <p className="muted small">Found automatically from the job-end statistics; they are also shown as tags.</p>
    </section>
  );
}

/** Job-end statistics per metric (node level): mean, max, robust max, and the mean as a share of the node peak. */
function Statistics({ job }: { job: JobDetail }) {
  const catalogue = useCatalogue();
  const byName = new Map((catalogue.data as Catalogue | undefined)?.metrics.map((m) => [m.name, m]) ?? []);
  const rows = Object.entries(job.statistics ?? {}).sort(([a], [b]) => (byName.get(a)?.displayName ?? a).localeCompare(byName.get(b)?.displayName ?? b));
  return (
    <section className="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Job-end statistics</h2>
      <div className="table-wrap">
        <table className="stats-table">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col" className="num">Mean</th>
              <th scope="col" className="num">Max</th>
              <th scope="col" className="num col-opt">Robust max</th>
              <th scope="col" className="num">Mean of peak</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, s]) => {
              const m = byName.get(name);
              const unit = s.unit || m?.unit || '';
              const fmt = (v: number | null) => formatUnit(v, unit, { binary: prefersBinary(unit) });
              const share = m?.peakPerNode && s.mean !== null ? s.mean / m.peakPerNode : null;
              return (
                <tr key={name} data-metric={name}>
                  <th scope="row">{m?.displayName ?? name}</th>
                  <td className="num">{fmt(s.mean)}</td>
                  <td className="num">{fmt(s.max)}</td>
                  <td className="num col-opt">{fmt(s.robustMax)}</td>
                  <td className="num" title={m?.peakPerNode ? `node peak ${fmt(m.peakPerNode)}` : 'no peak configured'}>
                    {share === null ? '–' : `${Math.round(share * 100)} %`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">Per node, over the whole job (robust max leaves out short spikes).</p>
    </section>
  );
}

/** The tag input with suggestions from existing tags (GET /api/tags?prefix=, the caller's visible ones). */
function TagInput({ value, onChange, exclude, id, 'aria-describedby': describedBy }: {
  value: string; onChange: (v: string) => void; exclude: string[]; id?: string; 'aria-describedby'?: string;
}) {
  const [open, setOpen] = useState(false);
  const prefix = value.trim();
  const valid = prefix === '' || /^[\p{L}\p{N}][\p{L}\p{N} ._:/+-]{0,63}$/u.test(prefix);
  const suggestions = useQuery({
    queryKey: ['tags', prefix],
    queryFn: ({ signal }) => api<string[]>(`/api/tags?prefix=${encodeURIComponent(prefix)}`, { signal }),
    enabled: open && valid,
    staleTime: 30_000,
  });
  const shown = (suggestions.data ?? []).filter((t) => !exclude.includes(t) && t !== prefix);
  return (
    <span className="autocomplete">
      <input
        id={id}
        aria-describedby={describedBy}
        name="tag"
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        maxLength={64}
        placeholder="e.g. benchmark"
        autoComplete="off"
        role="combobox"
        aria-expanded={open && shown.length > 0}
        aria-controls="tag-suggestions"
      />
      {open && shown.length > 0 ? (
        <ul className="autocomplete-list" id="tag-suggestions" role="listbox" aria-label="Existing tags">
          {shown.map((t) => (
            <li key={t} role="option" aria-selected={false}>
              <button
                type="button"
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => {
                  onChange(t);
                  setOpen(false);
                }}
              >
                {t}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </span>
  );
}

/** Each node → its node page over the job's window (up to 64 links; bigger jobs: the list filter finds the rest). */
function NodeLinks({ job }: { job: JobDetail }) {
  if (!job.startTime || job.nodes.length === 0) return null;
  const from = new Date(job.startTime).toISOString();
  const to = job.stopTime ? new Date(job.stopTime).toISOString() : null;
  const query = `from=${encodeURIComponent(from)}${to ? `&to=${encodeURIComponent(to)}` : ''}`;
  return (
    <span className="chips node-links" data-testid="node-links">
      {job.nodes.slice(0, 64).map((n) => (
        <Link key={n} to={`/nodes/${encodeURIComponent(job.cluster)}/${encodeURIComponent(n)}?${query}`} className="chip">
          {n}
        </Link>
      ))}
      {job.nodes.length > 64 ? <span className="muted small">… and {job.nodes.length - 64} more</span> : null}
    </span>
  );
}

function Tags({ job }: { job: JobDetail }) {
  const me = useMe();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'private' | 'public'>('private');
  const refresh = () => {
    qc.invalidateQueries({ queryKey: ['job', job.id] });
    qc.invalidateQueries({ queryKey: ['history', job.id] });
    qc.invalidateQueries({ queryKey: ['jobs'] });
  };
  const add = useMutation({
    mutationFn: (body: { name: string; visibility: string }) =>
      api<TagResult>(`/api/jobs/${job.id}/tags`, { method: 'POST', body }),
    onSuccess: () => {
      setName('');
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (tag: string) => api<TagResult>(`/api/jobs/${job.id}/tags/${encodeURIComponent(tag)}`, { method: 'DELETE' }),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) add.mutate({ name: name.trim(), visibility });
  };
  // Automatic findings: admins only (the API answers 403 to others), so the job stays in the admins' finding filter.
  const mayRemove = (t: JobTag) =>
    isAdmin(me.data) || (!isFinding(t) && (t.createdBy === me.data?.username || job.user === me.data?.username));
  return (
    <section className="card" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      {job.tags.length === 0 ? <p className="muted">No tags yet.</p> : null}
      <ul className="tag-list">
        {job.tags.map((t) => (
          <li key={t.name}>
            <Link to={tagPageFor(t.name)} className="tag-link" title={`Tag ${t.name}: all jobs with it`}>
              <TagChip tag={t} />
            </Link>
            <span className="muted small">
              {' '}{isFinding(t) ? `automatic finding${t.reason ? `: ${t.reason}` : ''}` : `${t.visibility} · by ${t.createdBy}`} · {formatRelative(t.createdAt)}
            </span>
            {mayRemove(t) ? (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => remove.mutate(t.name)}
                disabled={remove.isPending}
                aria-label={`Remove tag ${t.name}`}
              >
                Remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={submit} aria-label="Add a tag">
        <Field label="New tag">
          <TagInput value={name} onChange={setName} exclude={job.tags.map((t) => t.name)} />
        </Field>
        <Field label="Visibility">
          <select name="visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as 'private' | 'public')}>
            <option value="private">private</option>
            <option value="public">public</option>
          </select>
        </Field>
        <button type="submit" className="btn btn-primary" disabled={add.isPending || !name.trim()}>
          Add tag
        </button>
      </form>
      {add.isError ? <ErrorState error={add.error} title="Could not add the tag" /> : null}
      {remove.isError ? <ErrorState error={remove.error} title="Could not remove the tag" /> : null}
    </section>
  );
}

/** The readable summary, the admin's reason, per-node tables collapsed, and the raw event one click away. */
function EventBody({ event: e, names }: { event: HistoryEvent; names: Record<string, string> }) {
  const view = describeEvent(e, names);
  return (
    <>
      <p className="event-summary">{view.summary}</p>
      {e.reason ? <p className="event-reason"><strong>Reason:</strong> {e.reason}</p> : null}
      {view.tables.map((t) => (
        <details key={t.caption} className="event-table">
          <summary>{t.caption} ({t.rows.length} rows)</summary>
          <div className="table-wrap">
            <table className="stats-table">
              <thead><tr>{t.columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
              <tbody>{t.rows.map((r, i) => <tr key={i}>{r.map((v, k) => (k === 0 ? <th key={k} scope="row">{v}</th> : <td key={k}>{v}</td>))}</tr>)}</tbody>
            </table>
          </div>
        </details>
      ))}
      <details className="event-raw">
        <summary>Raw event</summary>
        <pre className="script">{JSON.stringify(e.data, null, 2)}</pre>
      </details>
    </>
  );
}

function History({ id, version }: { id: string; version: number }) {
  const catalogue = useCatalogue();
  const names = Object.fromEntries((catalogue.data as Catalogue | undefined)?.metrics.map((m) => [m.name, m.displayName || m.name]) ?? []);
  const history = useQuery({
    // The job's version in the key: a new event (tag, end) refetches the timeline.
    queryKey: ['history', id, version],
    queryFn: ({ signal }) => api<HistoryEvent[]>(`/api/jobs/${id}/history`, { signal }),
  });
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {history.isPending ? <Loading /> : null}
      {history.isError ? <ErrorState error={history.error} title="Could not load the history" /> : null}
      {history.data ? (
        history.data.length === 0 ? (
          <p className="muted">No events.</p>
        ) : (
          <ol className="timeline">
            {history.data.map((e) => (
              <li key={`${e.sequence}-${e.version}`} className={`event event-${e.type}`} data-event-type={e.type}>
                <div className="event-head">
                  <strong>{eventTitle(e.type)}</strong>
                  <time dateTime={e.timestamp}>{formatDateTime(e.timestamp)}</time>
                </div>
                <EventBody event={e} names={names} />
                <p className="muted small">
                  by {e.causedBy || 'unknown'} · via {e.source || 'unknown'} · version {e.version}
                  {e.correlationId ? (
                    <>
                      {' '}· correlation <code className="selectable">{e.correlationId}</code>
                    </>
                  ) : null}
                </p>
              </li>
            ))}
          </ol>
        )
      ) : null}
    </section>
  );
}

/** Admin actions; each needs a reason, stored on its events and shown in the history. */
function AdminActions({ job }: { job: JobDetail }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState('');
  const [jobName, setJobName] = useState(job.name);
  const [account, setAccount] = useState(job.account);
  const refresh = () => {
    qc.invalidateQueries({ queryKey: ['job', job.id] });
    qc.invalidateQueries({ queryKey: ['history', job.id] });
  };
  const recompute = useMutation({
    mutationFn: () => api<unknown>(`/api/admin/jobs/${job.id}/statistics`, { method: 'POST', body: { reason: reason.trim() } }),
    onSuccess: refresh,
  });
  const correct = useMutation({
    mutationFn: () =>
      api<TagResult>(`/api/jobs/${job.id}/metadata`, {
        method: 'PATCH',
        body: { reason: reason.trim(), ...(jobName !== job.name ? { jobName } : {}), ...(account !== job.account ? { account } : {}) },
      }),
    onSuccess: refresh,
  });
  const noReason = !reason.trim();
  const unchanged = jobName === job.name && account === job.account;
  return (
    <section className="card" aria-labelledby="admin-actions-title">
      <h2 id="admin-actions-title">Admin actions</h2>
      <Field label="Reason (required, recorded in the history)">
        <input name="admin-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1024} placeholder="e.g. ticket #4711: wrong account" />
      </Field>
      <div className="inline-form">
        <Field label="Job name">
          <input name="correct-job-name" value={jobName} onChange={(e) => setJobName(e.target.value)} maxLength={1024} />
        </Field>
        <Field label="Account">
          <input name="correct-account" value={account} onChange={(e) => setAccount(e.target.value)} maxLength={256} />
        </Field>
        <button type="button" className="btn btn-primary" disabled={noReason || unchanged || correct.isPending} onClick={() => correct.mutate()}>
          Correct metadata
        </button>
      </div>
      <p>
        <button type="button" className="btn" disabled={noReason || recompute.isPending || job.state === 'running'} onClick={() => recompute.mutate()}>
          Recompute statistics
        </button>{' '}
        {recompute.isSuccess ? <span className="muted small">Recompute requested.</span> : null}
      </p>
      {correct.isError ? <ErrorState error={correct.error} title="Could not correct the metadata" /> : null}
      {recompute.isError ? <ErrorState error={recompute.error} title="Could not request the recompute" /> : null}
    </section>
  );
}
