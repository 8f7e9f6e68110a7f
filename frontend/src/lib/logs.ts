import type { LogLine } from '../api/types';

export const MAX_LOG_LINES = 500;
/** .NET log levels, lowest first ("None" comes from some libraries: shown with everything). */
export const LEVELS = ['Debug', 'Information', 'Warning', 'Error', 'Critical'] as const;

export function levelRank(level: string): number {
  if (!level) return -1;
  if (level === 'Trace') return -1;
  const i = (LEVELS as readonly string[]).indexOf(level);
  return i < 0 ? 0 : i;
}

/** Appends new lines, keeping the newest `max`. */
export function appendLines(current: LogLine[], added: LogLine[], max = MAX_LOG_LINES): LogLine[] {
  if (added.length === 0) return current;
  const all = current.concat(added);
  return all.length > max ? all.slice(all.length - max) : all;
}
