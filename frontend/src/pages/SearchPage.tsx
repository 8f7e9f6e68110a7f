import { useEffect, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client';
import type { JobPage, TagSearchResult } from '../api/types';
import { isAdmin, useMe } from '../auth';
import { ErrorState, Loading, StateBadge, TagChip } from '../components/common';
import { formatDateTime, formatDuration } from '../lib/format';
import { jobPager, jobTotalLabel } from '../lib/jobTotal';

const JOBS_PAGE_SIZE = 20;
const MAX_QUERY = 64;

/** One box: jobs (id, name, account), users (admins) and tags, each in its own section. */
export default function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = (params.get('q') ?? '').trim().slice(0, MAX_QUERY);
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [text, setText] = useState(q);
  const me = useMe();
  const admin = isAdmin(me.data);
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    document.title = q ? `“${q}” · Search · Jobmon` : 'Search · Jobmon';
  }, [q]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    setParams(t ? { q: t } : {});
  };
  const setPage = (p: number) => setParams(p > 1 ? { q, page: String(p) } : { q });

  return (
    <div className="search-page">
      <h1>Search</h1>
      <form className="search-box card" role="search" onSubmit={submit} aria-label="Search Jobmon">
        <label className="sr-only" htmlFor="search-q">Search for jobs{admin ? ', users' : ''} and tags</label>
        <input
          id="search-q"
          name="q"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={`Job id, job name, account${admin ? ', user' : ''} or tag`}
          maxLength={MAX_QUERY}
          autoFocus
        />
        <button type="submit" className="btn btn-primary">Search</button>
      </form>
      {q ? (
        <div className="search-results">
          <JobResults q={q} page={page} setPage={setPage} />
          {admin ? <UserResults q={q} /> : null}
          <TagResults q={q} />
        </div>
      ) : (
        <p className="muted">Type a job id, part of a job name or account{admin ? ', a user name' : ''} or a tag.</p>
      )}
    </div>
  );
}

function JobResults({ q, page, setPage }: { q: string; page: number; setPage: (p: number) => void }) {
  const query = new URLSearchParams({ q, page: String(page), pageSize: String(JOBS_PAGE_SIZE), sort: 'startTime', order: 'desc' }).toString();
  const jobs = useQuery({
    queryKey: ['jobs', query],
    queryFn: ({ signal }) => api<JobPage>(`/api/jobs?${query}`, { signal }),
    placeholderData: keepPreviousData,
  });
  const d = jobs.data;
  const pager = d ? jobPager(d, page) : { pages: 1, label: '1', hasNext: false };
  return (
    <section className="card search-section" aria-labelledby="sr-jobs">
      <div className="section-head">
        <h2 id="sr-jobs">Jobs {d ? <span className="muted small">({jobTotalLabel(d)})</span> : null}</h2>
        {d && d.total > 0 ? <Link to={`/jobs?q=${encodeURIComponent(q)}`} className="small">Open in the jobs list with filters</Link> : null}
      </div>
      {jobs.isPending ? <Loading /> : null}
      {jobs.isError ? <ErrorState error={jobs.error} title="Could not search jobs" /> : null}
      {d && d.items.length === 0 ? <p className="muted">No jobs match.</p> : null}
      {d && d.items.length > 0 ? (
        <>
          <ul className="result-list">
            {d.items.map((j) => (
              <li key={j.id} data-job-id={j.id}>
                <StateBadge state={j.state} />{' '}
                <Link to={`/jobs/${j.id}`}><strong>{j.jobId}</strong> {j.name || <span className="muted">(no name)</span>}</Link>
                <span className="muted small">
                  {' '}{j.cluster} · {j.user} · {j.account || '–'} · {j.startKnown ? formatDateTime(j.startTime) : 'start unknown'} · {formatDuration(j.durationSeconds)}
                </span>
                {j.tags.length ? <span className="chips">{j.tags.map((t) => <TagChip key={t.name} tag={t} />)}</span> : null}
              </li>
            ))}
          </ul>
          {pager.pages > 1 ? (
            <nav className="pager" aria-label="Job result pages">
              <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>‹ Previous</button>
              <span>Page {page} of {pager.label}</span>
              <button type="button" className="btn" disabled={!pager.hasNext} onClick={() => setPage(page + 1)}>Next ›</button>
            </nav>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function UserResults({ q }: { q: string }) {
  const users = useQuery({
    queryKey: ['search-users', q],
    queryFn: ({ signal }) => api<string[]>(`/api/search/users?q=${encodeURIComponent(q)}`, { signal }),
  });
  return (
    <section className="card search-section" aria-labelledby="sr-users">
      <h2 id="sr-users">Users {users.data ? <span className="muted small">({users.data.length}{users.data.length >= 50 ? '+' : ''})</span> : null}</h2>
      {users.isPending ? <Loading /> : null}
      {users.isError ? <ErrorState error={users.error} title="Could not search users" /> : null}
      {users.data && users.data.length === 0 ? <p className="muted">No users match.</p> : null}
      {users.data && users.data.length > 0 ? (
        <ul className="link-list">
          {users.data.map((u) => (
            <li key={u}><Link to={`/jobs?user=${encodeURIComponent(u)}`} title={`Jobs of ${u}`}>{u}</Link></li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function TagResults({ q }: { q: string }) {
  const tags = useQuery({
    queryKey: ['search-tags', q],
    queryFn: ({ signal }) => api<TagSearchResult[]>(`/api/search/tags?q=${encodeURIComponent(q)}`, { signal }),
  });
  return (
    <section className="card search-section" aria-labelledby="sr-tags">
      <h2 id="sr-tags">Tags {tags.data ? <span className="muted small">({tags.data.length})</span> : null}</h2>
      {tags.isPending ? <Loading /> : null}
      {tags.isError ? <ErrorState error={tags.error} title="Could not search tags" /> : null}
      {tags.data && tags.data.length === 0 ? <p className="muted">No tags match.</p> : null}
      {tags.data && tags.data.length > 0 ? (
        <ul className="link-list">
          {tags.data.map((t) => (
            <li key={t.name}>
              <Link to={`/jobs?tags=${encodeURIComponent(t.name)}`}>{t.name}</Link>{' '}
              <span className="muted small">{t.jobs} job{t.jobs === 1 ? '' : 's'}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
