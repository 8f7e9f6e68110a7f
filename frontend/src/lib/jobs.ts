// Job-specific helpers: wait-status decoding and readable audit-event summaries.

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL',
  10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ',
};

/**
 * Decodes a SLURM exit code (a POSIX wait status): low 7 bits the signal, next byte the exit code.
 * 0 → "exit code 0", 256 → "exit code 1", 9 → "killed by signal 9 (SIGKILL)".
 */
export function decodeWaitStatus(status: number | null | undefined): string {
  if (status === null || status === undefined || !Number.isFinite(status)) return '–';
  const signal = status & 0x7f;
  if (signal !== 0 && signal !== 0x7f) {
    const name = SIGNALS[signal];
    return `killed by signal ${signal}${name ? ` (${name})` : ''}${status & 0x80 ? ', core dumped' : ''}`;
  }
  return `exit code ${(status >> 8) & 0xff}`;
}

/** "123" or "123_4" (array task): what SLURM prints; a Jobmon job id (a Guid) is not one. */
export const isSlurmId = (text: string) => /^\d{1,19}$|^\d{1,11}_\d{1,9}$/.test(text);

export interface HistoryEvent {
  version: number;
  sequence: number;
  type: string;
  timestamp: string;
  causedBy: string | null;
  correlationId: string | null;
  source: string | null;
  data: Record<string, unknown>;
  /** Why an admin did this (admin actions from the UI require one). */
  reason?: string | null;
}

const EVENT_TITLES: Record<string, string> = {
  job_started: 'Job started',
  job_ended: 'Job ended',
  job_timed_out: 'Timed out',
  job_tag_added: 'Tag added',
  job_tag_removed: 'Tag removed',
  job_metadata_corrected: 'Metadata corrected',
};

/** "job_tag_added" → "Tag added"; unknown types are de-snake-cased. */
export function eventTitle(type: string): string {
  if (EVENT_TITLES[type]) return EVENT_TITLES[type];
  const words = type.replace(/^job_/, '').replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(str).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function plural(n: unknown, word: string): string {
  const k = Number(n);
  return `${str(n)} ${word}${k === 1 ? '' : 's'}`;
}

/** Formats a .NET TimeSpan ("1.02:03:04" or "02:00:00") for people; other values as they are. */
function timeSpan(v: unknown): string {
  const m = /^(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})/.exec(str(v));
  if (!m) return str(v);
  const [, d, h, mi] = m;
  const parts = [];
  if (d && d !== '0') parts.push(`${Number(d)}d`);
  if (Number(h)) parts.push(`${Number(h)}h`);
  if (Number(mi)) parts.push(`${Number(mi)}m`);
  return parts.join(' ') || str(v);
}

const HIDDEN_KEYS = new Set(['jobId']);

/** One line that says what an audit event did, from its data. */
export function summarizeEvent(e: Pick<HistoryEvent, 'type' | 'data'>): string {
  const d = e.data ?? {};
  switch (e.type) {
    case 'job_started': {
      const nodes = Array.isArray(d.nodes) ? (d.nodes as unknown[]) : [];
      const shown = nodes.slice(0, 8).map(str).join(', ') + (nodes.length > 8 ? ` … (+${nodes.length - 8})` : '');
      const parts = [
        `${str(d.user) || 'unknown user'} started "${str(d.jobName)}" (SLURM ${str(d.slurmId)}) on ${str(d.cluster)}/${str(d.partition)}`,
        `${plural(d.numNodes, 'node')}, ${plural(d.numTasks, 'task')}${Number(d.gpusPerNode) ? `, ${str(d.gpusPerNode)} GPUs/node` : ''}`,
      ];
      if (shown) parts.push(`nodes ${shown}`);
      const ended = d.ended as Record<string, unknown> | null | undefined;
      if (ended) parts.push(`late start of a job already ended (${str(ended.state)})`);
      return parts.join('; ');
    }
    case 'job_ended': {
      const exit = typeof d.exitCode === 'number' ? decodeWaitStatus(d.exitCode) : str(d.exitCode);
      const known = d.startTime ? '' : ' (start unknown)';
      return `Ended ${str(d.state)}, ${exit}${known}`;
    }
    case 'job_end_corrected': {
      const exit = typeof d.exitCode === 'number' ? decodeWaitStatus(d.exitCode) : str(d.exitCode);
      return `SLURM's final state: ${str(d.state)}, ${exit} (first reported ${str(d.previousState)})${d.reason ? `; reason: ${str(d.reason)}` : ''}`;
    }
    case 'job_timed_out':
      return `Ended by the overtime sweeper after max time ${timeSpan(d.maxTime)}${d.reason ? `: ${str(d.reason)}` : ''}`;
    case 'job_tag_added':
      return `Tag "${str(d.tag)}" (${str(d.visibility) || 'private'}) added by ${str(d.addedBy)}`;
    case 'job_tag_removed':
      return `Tag "${str(d.tag)}" removed by ${str(d.removedBy)}`;
    case 'job_metadata_corrected': {
      const changes = Object.entries(d)
        .filter(([k, v]) => !HIDDEN_KEYS.has(k) && k !== 'reason' && v !== null && v !== undefined)
        .map(([k, v]) => `${k} → ${k === 'jobScript' ? '(new script)' : JSON.stringify(v)}`);
      return `${changes.length ? changes.join(', ') : 'no fields'}; reason: ${str(d.reason)}`;
    }
    default: {
      const entries = Object.entries(d).filter(([k, v]) => !HIDDEN_KEYS.has(k) && v !== null && v !== undefined);
      return entries.map(([k, v]) => `${k}: ${str(v)}`).join(', ');
    }
  }
}
