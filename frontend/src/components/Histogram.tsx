import { formatCount } from '../lib/format';
import { histogramBars, type Histogram as HistogramData } from '../lib/histograms';

/** Vertical SVG bar chart of one histogram, buckets in the given order. */
export function Histogram({ data, buckets, title, kind }: { data: HistogramData | null | undefined; buckets: readonly string[]; title: string; kind: string }) {
  const bars = histogramBars(data, buckets);
  const total = bars.reduce((s, b) => s + b.value, 0);
  const top = Math.max(1, ...bars.map((b) => b.value));
  const colW = 52;
  const width = bars.length * colW + 8;
  const plotH = 110;
  const height = plotH + 40;
  const label = `${title}: ${bars.map((b) => `${b.label} ${formatCount(b.value)}`).join(', ')}`;
  return (
    <figure className="histogram" data-histogram={kind}>
      <figcaption>
        {title} <span className="muted small">({formatCount(total)} {total === 1 ? 'job' : 'jobs'})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label} preserveAspectRatio="xMinYMin meet">
        {bars.map((b, i) => {
          const h = (b.value / top) * plotH;
          const x = 4 + i * colW;
          return (
            <g key={b.label}>
              <title>{`${b.label}: ${formatCount(b.value)}`}</title>
              <rect x={x + 6} y={16 + plotH - h} width={colW - 12} height={Math.max(0, h)} className="bar" />
              <text x={x + colW / 2} y={12 + plotH - h} textAnchor="middle" className="bar-value">
                {formatCount(b.value)}
              </text>
              <text x={x + colW / 2} y={plotH + 32} textAnchor="middle" className="bar-label">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
