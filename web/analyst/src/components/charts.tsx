import * as Plot from '@observablehq/plot';
import { useMemo } from 'react';
import type { ForestEstimate, ForestRow, MonthCount } from '../analysis.js';
import type { TermCount } from '../api.js';
import { PlotFigure } from './PlotFigure.js';

const ACCENT = '#2563eb';
const SIGNAL = '#dc2626';

/** Horizontal bars: the reaction terms most reported among the matching reports. */
export function TopReactionsChart({ counts }: { counts: readonly TermCount[] }) {
  const options = useMemo<Plot.PlotOptions>(
    () => ({
      marginLeft: 200,
      height: Math.max(120, 22 * counts.length + 40),
      x: { label: 'reports', grid: true },
      y: { label: null },
      marks: [
        Plot.barX(counts, { x: 'count', y: 'term', fill: ACCENT, sort: { y: '-x' }, tip: true }),
        Plot.text(counts, { x: 'count', y: 'term', text: (d: TermCount) => String(d.count), dx: 4, textAnchor: 'start' }),
        Plot.ruleX([0]),
      ],
    }),
    [counts],
  );
  return <PlotFigure options={options} testId="chart-top-reactions" label="Top reactions" />;
}

/** Reports received per month among the matching reports. */
export function ReportsOverTimeChart({ series }: { series: readonly MonthCount[] }) {
  const options = useMemo<Plot.PlotOptions>(
    () => ({
      height: 220,
      x: { label: 'received', type: 'utc' },
      y: { label: 'reports', grid: true },
      marks: [
        Plot.areaY(series, { x: 'month', y: 'count', fill: ACCENT, fillOpacity: 0.15, curve: 'step-after' }),
        Plot.lineY(series, { x: 'month', y: 'count', stroke: ACCENT, curve: 'step-after' }),
        Plot.dot(series, { x: 'month', y: 'count', fill: ACCENT, r: 2.5, tip: true }),
        Plot.ruleY([0]),
      ],
    }),
    [series],
  );
  return <PlotFigure options={options} testId="chart-over-time" label="Reports over time" />;
}

const ESTIMATE_LABEL: Readonly<Record<ForestEstimate, string>> = { ror: 'ROR', prr: 'PRR', ic: 'IC' };

/**
 * Estimates with their 95% intervals, one row per drug–event pair, Evans signals in red: the ratios on a log
 * scale with a line at 1 (no disproportion), IC on a linear scale with a line at 0.
 */
export function ForestPlot({ rows, estimate }: { rows: readonly ForestRow[]; estimate: ForestEstimate }) {
  const options = useMemo<Plot.PlotOptions>(() => {
    const ratio = estimate !== 'ic';
    const values = rows.flatMap((r) => [r.lower, r.upper]);
    const domain: [number, number] = ratio
      ? [Math.min(0.5, ...values) * 0.8, Math.max(2, ...values) * 1.25]
      : [Math.min(-1, ...values) - 0.25, Math.max(1, ...values) + 0.25];
    const reference = ratio ? 1 : 0;
    return {
      width: 960,
      marginLeft: 280,
      height: Math.max(120, 24 * rows.length + 50),
      x: { type: ratio ? 'log' : 'linear', domain, label: `${ESTIMATE_LABEL[estimate]} (95% interval${ratio ? ', log scale' : ''})`, grid: true },
      y: { label: null, domain: rows.map((r) => r.label) },
      marks: [
        Plot.ruleX([reference], { stroke: '#6b7280', strokeDasharray: '4,3' }),
        Plot.ruleY(rows, { y: 'label', x1: 'lower', x2: 'upper', stroke: (r: ForestRow) => (r.evans ? SIGNAL : ACCENT), strokeWidth: 2 }),
        Plot.dot(rows, { x: 'value', y: 'label', fill: (r: ForestRow) => (r.evans ? SIGNAL : ACCENT), r: 4, symbol: 'square', tip: true }),
      ],
    };
  }, [rows, estimate]);
  return <PlotFigure options={options} testId="forest-plot" label={`Forest plot of ${ESTIMATE_LABEL[estimate]}`} />;
}
