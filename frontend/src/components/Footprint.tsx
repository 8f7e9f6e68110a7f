import type { Catalogue, MetricSummary } from '../api/types';
import { footprintBars, footprintLevel, footprintMetricNames } from '../lib/footprint';
import { formatUnit, prefersBinary } from '../lib/format';

/** A job's footprint: a few job-end means as small bars relative to the node peak. Nothing without statistics. */
export function Footprint({ statistics, catalogue }: { statistics: Record<string, MetricSummary> | undefined; catalogue: Catalogue | undefined }) {
  const bars = footprintBars(statistics, catalogue?.metrics ?? [], footprintMetricNames(catalogue));
  if (bars.length === 0) return null;
  const describe = (b: (typeof bars)[number]) => {
    const value = formatUnit(b.mean, b.unit, { binary: prefersBinary(b.unit) });
    return b.fraction === null
      ? `${b.label}: mean ${value} (no peak configured)`
      : `${b.label}: mean ${value}, ${Math.round((b.mean / b.peak!) * 100)} % of the node peak ${formatUnit(b.peak, b.unit, { binary: prefersBinary(b.unit) })}`;
  };
  const summary = bars.map(describe).join('; ');
  return (
    <span className="footprint" role="img" aria-label={`Footprint: ${summary}`} title={bars.map(describe).join('\n')}>
      {bars.map((b) => (
        // Labelled: the metric and its mean are readable without hovering.
        <span key={b.name} className="fp-item">
          <span className="fp-label" aria-hidden="true">
            <span className="fp-name">{b.label}</span>
            <strong>{formatUnit(b.mean, b.unit, { binary: prefersBinary(b.unit) })}</strong>
          </span>
          <span className={`fp-bar fp-${footprintLevel(b.fraction)}${b.over ? ' fp-over' : ''}`} data-metric={b.name}>
            <span className="fp-fill" style={{ width: `${b.fraction === null ? 0 : Math.max(4, b.fraction * 100)}%` }} />
          </span>
        </span>
      ))}
    </span>
  );
}
