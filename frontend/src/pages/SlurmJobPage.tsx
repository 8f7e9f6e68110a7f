import { useEffect } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, useParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { JobDetail, JobListItem } from '../api/types';
import { ErrorState, Loading, StateBadge } from '../components/common';
import { formatDateTime, formatDuration } from '../lib/format';

interface Candidates {
  cluster: string | null;
  slurmId: string;
  candidates: JobListItem[];
}

/**
 * A job addressed by SLURM id (`/jobs/<cluster>/<id>`, or `/jobs/<id>` on any cluster, where the original's
 * `/job/<id>` redirects): one job → its page; a reused id or one on several clusters → a chooser.
 */
export default function SlurmJobPage() {
  const params = useParams();
  const cluster = params.cluster;
  const slurmId = params.slurmId ?? params.id ?? '';
  const path = cluster
    ? `/api/clusters/${encodeURIComponent(cluster)}/jobs/${encodeURIComponent(slurmId)}`
    : `/api/slurm-jobs/${encodeURIComponent(slurmId)}`;
  const lookup = useQuery({
    queryKey: ['slurm-id', cluster ?? '', slurmId],
    queryFn: ({ signal }) => api<JobDetail | Candidates>(path, { signal, accept: [300] }),
  });
  useEffect(() => {
    document.title = `SLURM job ${slurmId} · Jobmon`;
  }, [slurmId]);

  if (lookup.isPending) return <Loading label="Looking up the SLURM id…" />;
  if (lookup.isError) {
    const notFound = lookup.error instanceof ApiError && (lookup.error.status === 404 || lookup.error.status === 400);
    return notFound ? (
      <div className="notice" role="alert">
        <h1>Job not found</h1>
        <p>
          No job of yours has SLURM id <code>{slurmId}</code>{cluster ? <> on {cluster}</> : null}.
        </p>
        <p><Link to="/jobs">Back to the jobs list</Link></p>
      </div>
    ) : (
      <ErrorState error={lookup.error} title="Could not look up the job" />
    );
  }
  const data = lookup.data;
  if ('candidates' in data) return <Chooser data={data} />;
  return <Navigate to={`/jobs/${data.id}`} replace />;
}

function Chooser({ data }: { data: Candidates }) {
  const clusters = new Set(data.candidates.map((j) => j.cluster));
  return (
    <div className="slurm-chooser">
      <p className="breadcrumb"><Link to="/jobs">← Jobs</Link></p>
      <h1>SLURM id {data.slurmId}: {data.candidates.length} jobs</h1>
      <p className="muted">
        {clusters.size > 1
          ? `This id exists on ${clusters.size} clusters${data.candidates.length > clusters.size ? ' and was reused' : ''}.`
          : 'SLURM reused this id (its counter wrapped or the controller lost its state).'}{' '}
        Choose the job:
      </p>
      <div className="table-wrap">
        <table className="jobs-table cards" aria-label="Jobs with this SLURM id">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Cluster</th>
              <th scope="col">User</th>
              <th scope="col">Name</th>
              <th scope="col">Start</th>
              <th scope="col">Duration</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {data.candidates.map((j) => (
              <tr key={j.id} data-job-id={j.id}>
                <td data-label="Job"><Link to={`/jobs/${j.id}`}>{j.jobId}{j.arrayJobId != null ? ` (${j.arrayJobId}_${j.arrayTaskId})` : ''}</Link></td>
                <td data-label="Cluster">{j.cluster}</td>
                <td data-label="User">{j.user}</td>
                <td className="card-wide">{j.name}</td>
                <td data-label="Start">{j.startKnown ? formatDateTime(j.startTime) : 'unknown'}</td>
                <td data-label="Duration">{formatDuration(j.durationSeconds)}</td>
                <td><StateBadge state={j.state} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
