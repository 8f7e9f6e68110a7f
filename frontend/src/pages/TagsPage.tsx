import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { isAdmin, useMe } from '../auth';
import { ErrorState, Loading } from '../components/common';
import { formatCount } from '../lib/format';
import { filterTags, jobsWithTag, type TagCount } from '../lib/tags';

/** Every tag on the jobs the user may see (their own; admins all) with its job count, each linking to the job list
 * filtered by it. ?tag= highlights one (a tag chip on the job page links here). */
export default function TagsPage() {
  const me = useMe();
  const [params] = useSearchParams();
  const highlighted = params.get('tag') ?? '';
  const [text, setText] = useState('');
  const tags = useQuery({
    queryKey: ['tag-counts'],
    queryFn: ({ signal }) => api<TagCount[]>('/api/tags/counts', { signal }),
  });
  useEffect(() => {
    document.title = 'Tags · Jobmon';
  }, []);
  useEffect(() => {
    if (highlighted && tags.data) document.getElementById(`tag-${highlighted}`)?.scrollIntoView({ block: 'center' });
  }, [highlighted, tags.data]);
  const rows = tags.data ? filterTags(tags.data, text) : [];
  return (
    <div className="page narrow">
      <h1>Tags</h1>
      <p className="muted">
        {isAdmin(me.data) ? 'Tags on all jobs' : 'Tags on your jobs'}, most used first. A tag opens the job list
        filtered by it.
      </p>
      {tags.isPending ? <Loading label="Loading tags…" /> : null}
      {tags.isError ? <ErrorState error={tags.error} title="Could not load the tags" /> : null}
      {tags.data && tags.data.length === 0 ? <div className="empty-state" role="status">No tags yet.</div> : null}
      {tags.data && tags.data.length > 0 ? (
        <>
          <label className="field tag-find">
            <span className="field-label">Find a tag</span>
            <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <div className="table-wrap">
            <table className="cards" aria-label="Tags" data-testid="tag-table">
              <thead>
                <tr>
                  <th scope="col">Tag</th>
                  <th scope="col" className="num">Jobs</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((t) => (
                  <tr
                    key={t.name}
                    id={`tag-${t.name}`}
                    data-tag={t.name}
                    className={t.name === highlighted ? 'highlighted' : undefined}
                    aria-current={t.name === highlighted ? 'true' : undefined}
                  >
                    <td className="card-wide">
                      <Link to={jobsWithTag(t.name)} className="chip chip-public">{t.name}</Link>
                    </td>
                    <td className="num" data-label="Jobs">{formatCount(t.jobs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length === 0 ? <p className="muted">No tag contains “{text}”.</p> : null}
          {tags.data.length >= 1000 ? <p className="muted small">Only the 1,000 most used tags are listed.</p> : null}
        </>
      ) : null}
    </div>
  );
}
