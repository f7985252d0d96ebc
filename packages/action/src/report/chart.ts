import { escapeInline } from './escape';
import { benchmarkTitle } from './names';
import type { CheckpointPoint } from './types';

/** One benchmark's scores by training step, and its baseline score where the run has one. */
export interface ChartSeries {
  benchmark: string;
  points: readonly CheckpointPoint[];
  /** Fraction in [0, 1]; drawn as a flat reference line in a lighter shade of the series colour. */
  baseline?: number | null;
}

/**
 * An explicit palette: Mermaid's default theme draws xychart lines in `#ECECFF`, nearly invisible
 * on white. Each colour has a matching square emoji, so the legend under the chart also works
 * where Mermaid's own legend is not rendered (GitHub's Mermaid may predate `showLegend`).
 * Every colour has a contrast ratio above 3:1 against the white background.
 */
export const CHART_PALETTE = [
  { line: '#0969da', baseline: '#74b9ff', square: '🟦' },
  { line: '#e36209', baseline: '#f4a261', square: '🟧' },
  { line: '#1a7f37', baseline: '#6fcf7f', square: '🟩' },
  { line: '#8250df', baseline: '#b89cf0', square: '🟪' },
  { line: '#cf222e', baseline: '#f08080', square: '🟥' },
  { line: '#8a4600', baseline: '#c8926a', square: '🟫' },
  { line: '#1f2328', baseline: '#8c959f', square: '⬛' },
] as const;

export const CHART_BACKGROUND = '#ffffff';
const INK = '#1f2328';

/** Mermaid's linear x-axis spaces a line's values evenly from min to max; more points than this is unreadable anyway. */
const MAX_GRID_POINTS = 200;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The steps at which every line is sampled. Mermaid places a line's i-th value at
 * `min + i·(max − min)/(n − 1)`, so unevenly spaced checkpoints are drawn on a uniform grid whose
 * spacing divides every step difference, with the values in between interpolated linearly: the
 * polyline is then exactly the one through the real points, at their real steps.
 */
function stepGrid(steps: readonly number[]): number[] {
  const min = Math.min(...steps);
  const max = Math.max(...steps);
  if (max === min) return [min];
  // Steps are whole numbers (training steps); rounding keeps gcd exact for any float that sneaks in.
  const spacing = steps.reduce((g, s) => gcd(g, Math.round(Math.abs(s - min))), 0) || max - min;
  const count = Math.floor((max - min) / spacing) + 1;
  const n = Math.min(count, MAX_GRID_POINTS);
  return Array.from({ length: n }, (_, i) => min + ((max - min) * i) / (n - 1));
}

/** The series' value at `step`, linear between its points and flat beyond its ends. */
function valueAt(points: readonly CheckpointPoint[], step: number): number {
  const first = points[0] as CheckpointPoint;
  const last = points[points.length - 1] as CheckpointPoint;
  if (step <= first.step) return first.value;
  if (step >= last.step) return last.value;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as CheckpointPoint;
    const b = points[i] as CheckpointPoint;
    if (step <= b.step) return a.value + ((b.value - a.value) * (step - a.step)) / (b.step - a.step);
  }
  return last.value;
}

/** A y-range around the data (percent), padded and on whole points, inside [0, 100]. */
export function fittedRange(values: readonly number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max(2, (hi - lo) * 0.1);
  return [Math.max(0, Math.floor(lo - pad)), Math.min(100, Math.ceil(hi + pad))];
}

/** Text inside a quoted Mermaid string: no quote, backtick, newline or directive characters. */
function mermaidText(text: string): string {
  return text.replace(/["`\n\r%{}[\];#]/g, '').trim();
}

const fixed = (percentValue: number) => percentValue.toFixed(2).replace(/\.?0+$/, '');

/**
 * One Mermaid `xychart-beta` (GitHub renders Mermaid blocks) of every benchmark's score (%) against
 * training step, with baselines as flat reference lines, followed by a legend line. Returns an empty
 * string when no benchmark has two points.
 */
export function scoreByStepChart(allSeries: readonly ChartSeries[], baselineLabel?: string): string {
  const series = allSeries
    .map((s) => ({ ...s, points: [...s.points].sort((a, b) => a.step - b.step) }))
    .filter((s) => s.points.length >= 2)
    .slice(0, CHART_PALETTE.length);
  if (series.length === 0) return '';
  const grid = stepGrid(series.flatMap((s) => s.points.map((p) => p.step)));
  const withBaseline = series.filter((s) => typeof s.baseline === 'number');
  const range = fittedRange([
    ...series.flatMap((s) => s.points.map((p) => p.value * 100)),
    ...withBaseline.map((s) => (s.baseline as number) * 100),
  ]);
  // Palette order is line order: benchmarks first, then their baselines.
  const palette = [
    ...series.map((_, i) => CHART_PALETTE[i]?.line),
    ...series.flatMap((s, i) => (typeof s.baseline === 'number' ? [CHART_PALETTE[i]?.baseline] : [])),
  ].join(', ');
  const init = {
    theme: 'base',
    themeVariables: {
      xyChart: {
        backgroundColor: CHART_BACKGROUND,
        titleColor: INK,
        legendTextColor: INK,
        xAxisTitleColor: INK,
        xAxisLabelColor: INK,
        xAxisTickColor: INK,
        xAxisLineColor: INK,
        yAxisTitleColor: INK,
        yAxisLabelColor: INK,
        yAxisTickColor: INK,
        yAxisLineColor: INK,
        plotColorPalette: palette,
      },
    },
    xyChart: { showLegend: true },
  };
  const min = grid[0] as number;
  const max = grid[grid.length - 1] as number;
  const lines = [
    '```mermaid',
    `%%{init: ${JSON.stringify(init)}}%%`,
    'xychart-beta',
    '  title "Score by training step"',
    `  x-axis "training step" ${fixed(min)} --> ${fixed(max)}`,
    `  y-axis "score (%)" ${range[0]} --> ${range[1]}`,
    ...series.map(
      (s) =>
        `  line "${mermaidText(benchmarkTitle(s.benchmark))}" [${grid.map((step) => fixed(valueAt(s.points, step) * 100)).join(', ')}]`,
    ),
    ...withBaseline.map(
      (s) =>
        `  line "${mermaidText(`${benchmarkTitle(s.benchmark)} baseline`)}" [${grid.map(() => fixed((s.baseline as number) * 100)).join(', ')}]`,
    ),
    '```',
  ];
  const legend = series
    .map((s, i) => `${CHART_PALETTE[i]?.square} ${escapeInline(benchmarkTitle(s.benchmark))}`)
    .join(' · ');
  const baselineNote =
    withBaseline.length > 0
      ? ` — flat lighter lines: baseline${baselineLabel ? ` (${escapeInline(baselineLabel)})` : ''}`
      : '';
  return `${lines.join('\n')}\n\n${legend}${baselineNote}`;
}
