import type { NodeBand } from '../api/types';

/** Appends a live update's band windows that are newer than the shown band's last one; outliers come from the update. */
export function mergeBand(current: NodeBand | null | undefined, update: NodeBand | null | undefined): NodeBand | null | undefined {
  if (!update) return current;
  if (!current) return update;
  const last = current.times.length ? current.times[current.times.length - 1] : -Infinity;
  const band: NodeBand = {
    nodes: update.nodes,
    times: [...current.times],
    min: [...current.min],
    median: [...current.median],
    max: [...current.max],
    outliers: update.outliers.length ? update.outliers : current.outliers,
  };
  update.times.forEach((t, i) => {
    if (t > last) {
      band.times.push(t);
      band.min.push(update.min[i] ?? null);
      band.median.push(update.median[i] ?? null);
      band.max.push(update.max[i] ?? null);
    }
  });
  return band;
}

/** "r11 (high), r12 (low)" for the chart caption. */
export function describeOutliers(band: NodeBand): string {
  return band.outliers.map((o) => `${o.node} (${o.side})`).join(', ');
}
