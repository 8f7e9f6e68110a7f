import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogLine } from '../../api/types';
import { formatDateTime } from '../../lib/format';
import { appendLines, LEVELS, levelRank, MAX_LOG_LINES } from '../../lib/logs';

type Connection = 'connecting' | 'open' | 'closed';

/** The backend's live log (Server-Sent Events): newest first, pause/resume, a minimum level, at most 500 lines. */
export function LiveLogPanel() {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [held, setHeld] = useState<LogLine[]>([]);
  const [paused, setPaused] = useState(false);
  const [minLevel, setMinLevel] = useState('Information');
  const [text, setText] = useState('');
  const [connection, setConnection] = useState<Connection>('connecting');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setConnection('closed');
      return;
    }
    const es = new EventSource('/api/admin/logs/live', { withCredentials: true });
    es.onopen = () => setConnection('open');
    es.onmessage = (e) => {
      let line: LogLine;
      try {
        line = JSON.parse(e.data) as LogLine;
      } catch {
        return;
      }
      // While paused, lines are held back (still at most 500) and shown on resume.
      if (pausedRef.current) setHeld((h) => appendLines(h, [line]));
      else setLines((l) => appendLines(l, [line]));
    };
    es.onerror = () => setConnection(es.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    return () => es.close();
  }, []);

  const resume = () => {
    setLines((l) => appendLines(l, held));
    setHeld([]);
    setPaused(false);
  };

  const shown = useMemo(() => {
    const min = levelRank(minLevel);
    const needle = text.trim().toLowerCase();
    return lines
      .filter((l) => levelRank(l.level) >= min)
      .filter((l) => !needle || `${l.category} ${l.message} ${l.correlationId ?? ''}`.toLowerCase().includes(needle))
      .reverse();
  }, [lines, minLevel, text]);

  return (
    <section className="card" aria-labelledby="logs-title">
      <div className="section-head">
        <h2 id="logs-title">Live log</h2>
        <span className={`badge conn-${connection}`} role="status" data-connection={connection}>
          {connection === 'open' ? (paused ? 'paused' : 'live') : connection === 'connecting' ? 'connecting…' : 'disconnected'}
        </span>
      </div>
      <p className="muted small">
        This replica's log as it is written (newest first, the last {MAX_LOG_LINES} lines). Quote the correlation id of an error to find
        its lines.
      </p>
      <div className="log-controls">
        {paused ? (
          <button type="button" className="btn btn-primary" onClick={resume}>
            Resume{held.length ? ` (${held.length} new)` : ''}
          </button>
        ) : (
          <button type="button" className="btn" onClick={() => setPaused(true)}>Pause</button>
        )}
        <label className="inline-field">
          Level
          <select value={minLevel} onChange={(e) => setMinLevel(e.target.value)} name="logLevel">
            <option value="">all</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>{l} and above</option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          Filter
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="text or correlation id" name="logText" />
        </label>
        <button type="button" className="btn btn-ghost" onClick={() => { setLines([]); setHeld([]); }}>Clear</button>
        <span className="muted small" aria-live="polite">{shown.length} of {lines.length} lines</span>
      </div>
      {shown.length === 0 ? (
        <p className="muted">{lines.length ? 'No lines match.' : 'No log lines yet.'}</p>
      ) : (
        <ol className="log-lines" aria-label="Log lines, newest first">
          {shown.map((l, i) => (
            <li key={`${l.time}-${shown.length - i}`} className={`log-line log-${l.level.toLowerCase()}`}>
              <time dateTime={l.time}>{formatDateTime(l.time).slice(11)}</time>
              <span className={`log-level log-level-${l.level.toLowerCase()}`}>{l.level === 'Information' ? 'Info' : l.level}</span>
              <span className="log-category" title={l.category}>{l.category.split('.').at(-1)}</span>
              <span className="log-message">
                {l.message}
                {l.correlationId ? <code className="log-correlation selectable" title="correlation id">{l.correlationId}</code> : null}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
