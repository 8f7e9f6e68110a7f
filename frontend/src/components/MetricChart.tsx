import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Metric } from '../api/types';
import { formatDateTime, formatUnit, prefersBinary } from '../lib/format';
import { quantileLines } from '../lib/metrics';
import { describeOutliers } from '../lib/bands';
import { formatTick, seriesColor, timeTicks } from '../lib/chart';

/** A span marked on the chart (the node page: a job's run), drawn shaded with its label at the top. */
export interface ChartMark {
  from: number;
  to: number;
  label: string;
}

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
  /** Spans to mark (job boundaries on the node page). */
  marks?: ChartMark[];
  /** Called when the viewer drag-selects a time range (ms), so the page can fetch finer data for it. */
  onZoom?: (from: number, to: number) => void;
  /** The time range to show (ms), e.g. the zoomed window after finer data arrived. */
  xRange?: [number, number] | null;
}

/** One metric as a uPlot line chart: one line per series (node or device), optional quartile lines. */
export function MetricChart({ metric, labels, autoscale, showQuantiles, zoom, syncKey, marks, onZoom, xRange }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const onZoomRef = useRef(onZoom);
  onZoomRef.current = onZoom;
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
      stroke: seriesColor(i),
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
        focus: { prox: 24 },
      },
      // The legend stays for big jobs (scrollable, see styles.css); clicking an entry hides/shows that series.
      legend: { show: true, live: true },
      // Hovering near a line highlights it and names it in the caption (the outlier of 64 nodes has a name).
      focus: { alpha: 0.25 },
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
        {
          stroke: fg,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          // 24-hour labels, as many as fit the width (uPlot's default is 12-hour US with overlapping labels).
          splits: (u, _i, min, max) => timeTicks(min, max, u.bbox.width / (window.devicePixelRatio || 1)),
          values: (_u, splits) => splits.map((t, i) => formatTick(t, i, splits)),
        },
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
        // Names the line nearest the cursor (within 24 px), so an outlier among many nodes can be identified.
        setCursor: [
          (u) => {
            const { idx, top } = u.cursor;
            let best: string | null = null;
            let bestDistance = 24;
            if (idx !== null && idx !== undefined && top !== undefined && top >= 0) {
              for (let i = 1; i <= series.length; i++) {
                const v = u.data[i]?.[idx];
                if (v === null || v === undefined || !u.series[i].show) continue;
                const distance = Math.abs(u.valToPos(v, 'y') - top);
                if (distance < bestDistance) {
                  bestDistance = distance;
                  best = String(u.series[i].label);
                }
              }
            }
            setFocused(best);
          },
        ],
        setSelect: [
          (u) => {
            if (!onZoomRef.current || u.select.width < 2) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            if (to > from) onZoomRef.current(Math.round(from), Math.round(to));
          },
        ],
        draw: [
          (u) => {
            if (!marks?.length) return;
            const ctx = u.ctx;
            const dpr = window.devicePixelRatio || 1;
            const { top, height, left, width } = u.bbox;
            ctx.save();
            ctx.font = `${11 * dpr}px sans-serif`;
            marks.forEach((m, i) => {
              const x0 = Math.max(left, u.valToPos(m.from, 'x', true));
              const x1 = Math.min(left + width, u.valToPos(m.to, 'x', true));
              if (x1 < left || x0 > left + width) return;
              const colour = seriesColor(i + 5);
              ctx.globalAlpha = 0.12;
              ctx.fillStyle = colour;
              ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
              ctx.globalAlpha = 1;
              ctx.strokeStyle = colour;
              ctx.lineWidth = dpr;
              ctx.beginPath();
              ctx.moveTo(x0, top);
              ctx.lineTo(x0, top + height);
              ctx.moveTo(x1, top);
              ctx.lineTo(x1, top + height);
              ctx.stroke();
              ctx.fillStyle = fg;
              ctx.fillText(m.label, x0 + 3 * dpr, top + (12 + 12 * (i % 3)) * dpr);
            });
            ctx.restore();
          },
        ],
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
    if (xRange) plot.setScale('x', { min: xRange[0], max: xRange[1] });
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
  }, [metric, labels, theme, hasQuantiles, syncKey, autoscale, marks, xRange]);

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
        {focused ? (
          <span className="small focused-series" data-testid="focused-series">
            {' '}
            · {focused}
          </span>
        ) : null}
      </figcaption>
      {empty ? <p className="muted small">No data for this selection.</p> : null}
      <div ref={box} className="chart-box" aria-label={`${metric.displayName || metric.name} chart`} role="img" />
    </figure>
  );
}
