import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Metric } from '../api/types';
import { formatDateTime, formatUnit, prefersBinary } from '../lib/format';
import { quantileLines } from '../lib/metrics';
import { describeOutliers } from '../lib/bands';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#9333ea'];

/** Follows the document's data-theme (set by the theme toggle) so charts redraw in the right colours. */
export function useDocumentTheme(): string {
  const [theme, setTheme] = useState(() => document.documentElement.dataset.theme ?? 'light');
  useEffect(() => {
    const obs = new MutationObserver(() => setTheme(document.documentElement.dataset.theme ?? 'light'));
    obs.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => obs.disconnect();
  }, []);
  return theme;
}

/** Zoom shared by all charts of one job page: drag on one chart zooms all; double-click resets. */
export interface ZoomGroup {
  charts: Set<uPlot>;
  busy: boolean;
}

export function createZoomGroup(): ZoomGroup {
  return { charts: new Set(), busy: false };
}

interface Props {
  metric: Metric;
  /** Series labels to show (undefined: all). */
  labels?: Set<string>;
  autoscale: boolean;
  showQuantiles: boolean;
  zoom: ZoomGroup;
  syncKey: string;
}

/** One metric as a uPlot line chart: one line per series (node or device), optional quartile lines. */
export function MetricChart({ metric, labels, autoscale, showQuantiles, zoom, syncKey }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useDocumentTheme();
  const plotRef = useRef<uPlot | null>(null);

  const series = metric.series.filter((s) => !labels || labels.has(s.label));
  const binary = prefersBinary(metric.unit);
  const fmt = (v: number | null | undefined) => formatUnit(v ?? null, metric.unit, { binary });
  const quantiles = showQuantiles ? quantileLines(metric.quantiles) : [];
  const hasQuantiles = quantiles.length > 0;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--fg-muted').trim() || '#666';
    const grid = css.getPropertyValue('--border').trim() || '#ddd';

    const tables: uPlot.AlignedData[] = series.map((s) => [s.times, s.values.map((v) => (v === null ? null : v))] as uPlot.AlignedData);
    if (hasQuantiles) {
      tables.push([metric.quantiles!.times, ...quantiles.map((q) => q.values)] as uPlot.AlignedData);
    }
    // Big running jobs: the nodes' min/median/max as a shaded band (the outliers are the named lines).
    const band = metric.band && metric.band.times.length > 0 ? metric.band : null;
    if (band) tables.push([band.times, band.min, band.median, band.max] as uPlot.AlignedData);
    const data: uPlot.AlignedData = tables.length === 0 ? [[]] : tables.length === 1 ? tables[0] : uPlot.join(tables);

    const lineSeries: uPlot.Series[] = series.map((s, i) => ({
      label: s.label,
      stroke: PALETTE[i % PALETTE.length],
      width: 1.5,
      spanGaps: false,
      value: (_u, v) => fmt(v),
    }));
    if (hasQuantiles) {
      for (const q of quantiles) {
        lineSeries.push({ label: q.label, stroke: fg, width: 2, dash: q.dashed ? [4, 4] : [], value: (_u, v) => fmt(v) });
      }
    }
    const bandFrom = lineSeries.length + 1; // uPlot's index of the band's min series (0 is time)
    if (band) {
      lineSeries.push({ label: `min of ${band.nodes} nodes`, stroke: fg, width: 1, dash: [2, 3], value: (_u, v) => fmt(v) });
      lineSeries.push({ label: 'median', stroke: fg, width: 2, value: (_u, v) => fmt(v) });
      lineSeries.push({ label: 'max', stroke: fg, width: 1, dash: [2, 3], value: (_u, v) => fmt(v) });
    }
    const peak = metric.peak;
    const opts: uPlot.Options = {
      bands: band ? [{ series: [bandFrom + 2, bandFrom], fill: 'rgba(100, 116, 139, 0.18)' }] : undefined,
      width: Math.max(280, el.clientWidth),
      height: 220,
      ms: 1,
      cursor: {
        drag: { x: true, y: false, setScale: true },
        sync: { key: syncKey, setSeries: false },
      },
      legend: { show: series.length <= 16 || hasQuantiles, live: true },
      scales: {
        x: { time: true },
        y: {
          range: (_u, min, max) => {
            if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, peak ?? 1];
            if (autoscale) {
              const pad = (max - min) * 0.05 || Math.abs(max) * 0.05 || 1;
              return [min - pad, max + pad];
            }
            // Fixed: from 0 to the metric's peak (or the data's maximum when higher).
            const top = Math.max(max, peak ?? 0) || 1;
            return [Math.min(0, min), top * 1.02];
          },
        },
      },
      axes: [
        { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        {
          stroke: fg,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          // Wide enough for the longest tick label ("123 TFLOP/s").
          size: (_u, values) => (values && values.length ? Math.max(48, Math.max(...values.map((v) => String(v).length)) * 7.5 + 18) : 60),
          values: (_u, splits) => splits.map((v) => fmt(v)),
        },
      ],
      series: [{ label: 'time', value: (_u, v) => (v === null ? '–' : formatDateTime(v)) }, ...lineSeries],
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x' || zoom.busy) return;
            const { min, max } = u.scales.x;
            if (min === undefined || max === undefined || min === null || max === null) return;
            zoom.busy = true;
            try {
              for (const other of zoom.charts) if (other !== u) other.setScale('x', { min, max });
            } finally {
              zoom.busy = false;
            }
          },
        ],
      },
    };
    const plot = new uPlot(opts, data, el);
    plotRef.current = plot;
    zoom.charts.add(plot);
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: 220 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      zoom.charts.delete(plot);
      plot.destroy();
      plotRef.current = null;
    };
    // Rebuild when the data, selection, theme, quantile display or autoscale changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [metric, labels, theme, hasQuantiles, syncKey, autoscale]);

  const empty = !metric.band?.times.length && (series.length === 0 || series.every((s) => s.values.every((v) => v === null)));
  return (
    <figure className="metric-chart">
      <figcaption>
        <strong>{metric.displayName || metric.name}</strong>
        {metric.unit ? <span className="muted"> [{metric.unit}]</span> : null}
        {metric.peak !== null && metric.peak !== undefined ? <span className="muted small"> · peak {fmt(metric.peak)}</span> : null}
        <span className="muted small"> · {metric.scope}</span>
        {metric.band ? (
          <span className="muted small" data-testid="band-caption">
            {' '}
            · band of {metric.band.nodes} nodes{metric.band.outliers.length ? `; outliers: ${describeOutliers(metric.band)}` : '; no outliers'}
          </span>
        ) : null}
      </figcaption>
      {empty ? <p className="muted small">No data for this selection.</p> : null}
      <div ref={box} className="chart-box" aria-label={`${metric.displayName || metric.name} chart`} role="img" />
    </figure>
  );
}
