import { formatHours } from '../lib/format';

export interface Bar {
  label: string;
  value: number;
  /** Stacked parts (e.g. by state); when given they are drawn instead of one bar. */
  parts?: { key: string; value: number }[];
}

/** Horizontal SVG bar chart; accessible as a table-like list via <title> and aria-label. */
export function BarChart({ bars, title, format = formatHours, max = 15 }: { bars: Bar[]; title: string; format?: (n: number) => string; max?: number }) {
  const shown = [...bars].sort((a, b) => b.value - a.value).slice(0, max);
  const top = Math.max(1e-9, ...shown.map((b) => b.value));
  const rowH = 22;
  const labelW = 150;
  const valueW = 70;
  const width = 600;
  const barW = width - labelW - valueW;
  const height = shown.length * rowH + 4;
  if (shown.length === 0) return <p className="muted">No data.</p>;
  return (
    <figure className="barchart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={title} preserveAspectRatio="xMinYMin meet">
        {shown.map((b, i) => {
          const y = i * rowH + 2;
          let x = labelW;
          return (
            <g key={b.label}>
              <title>{`${b.label}: ${format(b.value)}`}</title>
              <text x={labelW - 6} y={y + rowH / 2 + 4} textAnchor="end" className="bar-label">
                {b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label}
              </text>
              {b.parts && b.parts.length > 0 ? (
                b.parts.map((p) => {
                  const w = (p.value / top) * barW;
                  const rect = <rect key={p.key} x={x} y={y + 3} width={Math.max(0, w)} height={rowH - 6} className={`bar bar-${p.key}`} />;
                  x += w;
                  return rect;
                })
              ) : (
                <rect x={labelW} y={y + 3} width={Math.max(0, (b.value / top) * barW)} height={rowH - 6} className="bar" />
              )}
              <text x={width - valueW + 6} y={y + rowH / 2 + 4} className="bar-value">
                {format(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
