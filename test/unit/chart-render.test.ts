import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChartSeries, scoreByStepChart } from '../../packages/action/src/report';
import { launchBrowser, type RenderBrowser, renderMermaid } from '../../packages/action/test/report/browser';

/**
 * The checkpoint chart as a reader sees it: Mermaid from npm renders it in Debian's headless
 * Chromium, and the SVG it draws is measured. The checks fail on the chart this project used to
 * draw (Mermaid's default line colour #ECECFF on white, a fixed 0–100 axis, steps as categories).
 */

interface Tick {
  value: number;
  /** Pixel position along the axis (y for the left axis, x for the bottom one). */
  at: number;
}

interface RenderedChart {
  background: string;
  lines: { stroke: string; points: [number, number][] }[];
  yTicks: Tick[];
  xTicks: Tick[];
}

function ticks(svg: string, axis: 'left-axis' | 'bottom-axis'): Tick[] {
  const group = svg.slice(svg.indexOf(`<g class="${axis}">`));
  const labels = group.slice(
    group.indexOf('<g class="label">'),
    group.indexOf('</g>', group.indexOf('<g class="label">')),
  );
  return [...labels.matchAll(/translate\(([\d.]+), ([\d.]+)\)[^>]*>([^<]+)<\/text>/g)].map((m) => ({
    value: Number(m[3]),
    at: Number(axis === 'left-axis' ? m[2] : m[1]),
  }));
}

function inspect(svg: string): RenderedChart {
  const background = /<rect[^>]*class="background"[^>]*fill="([^"]+)"/.exec(svg)?.[1] ?? 'none';
  const lines = [...svg.matchAll(/<g class="line-plot-\d+"><path d="([^"]*)"[^>]*stroke="([^"]+)"/g)].map(
    (m) => ({
      stroke: m[2] as string,
      points: [...(m[1] as string).matchAll(/([\d.]+),([\d.]+)/g)].map(
        (p) => [Number(p[1]), Number(p[2])] as [number, number],
      ),
    }),
  );
  return { background, lines, yTicks: ticks(svg, 'left-axis'), xTicks: ticks(svg, 'bottom-axis') };
}

/** Pixel → value along an axis, from its first and last tick. */
function axisScale(t: Tick[]): (pixel: number) => number {
  const a = t[0] as Tick;
  const b = t[t.length - 1] as Tick;
  return (pixel) => a.value + ((pixel - a.at) * (b.value - a.value)) / (b.at - a.at);
}

/** WCAG relative luminance contrast of two `#rrggbb` colours (1 = identical, 21 = black on white). */
function contrast(c1: string, c2: string): number {
  const lum = (hex: string) => {
    const named: Record<string, string> = { white: '#ffffff' };
    const h = (named[hex] ?? hex).replace('#', '');
    const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
    const [r, g, b] = [0, 2, 4].map((i) => {
      const v = Number.parseInt(full.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(c1), lum(c2)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** What makes a chart unreadable, as sentences; empty when it is fine. */
function chartProblems(chart: RenderedChart, data: { lines: number; min: number; max: number }): string[] {
  const problems: string[] = [];
  if (chart.lines.length < data.lines) problems.push(`${chart.lines.length} of ${data.lines} lines drawn`);
  for (const line of chart.lines) {
    if (line.points.length < 2) problems.push(`a line with ${line.points.length} points`);
    const ratio = contrast(line.stroke, chart.background);
    if (ratio < 1.8)
      problems.push(`line ${line.stroke} is invisible on ${chart.background} (contrast ${ratio.toFixed(2)})`);
  }
  const values = chart.yTicks.map((t) => t.value);
  const axisMin = Math.min(...values);
  const axisMax = Math.max(...values);
  if (axisMin > data.min || axisMax < data.max)
    problems.push(`y-axis ${axisMin}–${axisMax} cuts the data ${data.min}–${data.max}`);
  if (axisMax - axisMin > 1.5 * (data.max - data.min) + 10) {
    problems.push(`y-axis ${axisMin}–${axisMax} is far wider than the data ${data.min}–${data.max}`);
  }
  return problems;
}

function mermaidSource(markdown: string): string {
  const source = /```mermaid\n([\s\S]*?)\n```/.exec(markdown)?.[1];
  if (!source) throw new Error(`no mermaid block in:\n${markdown}`);
  return source;
}

const series: ChartSeries[] = [
  {
    benchmark: 'math_500',
    points: [
      { step: 1000, value: 0.72 },
      { step: 2000, value: 0.78 },
      { step: 5000, value: 0.84 },
    ],
    baseline: 0.8,
  },
  {
    benchmark: 'aime24',
    points: [
      { step: 1000, value: 0.2 },
      { step: 2000, value: 0.233 },
      { step: 5000, value: 0.3 },
    ],
  },
];

describe('the checkpoint chart, rendered by Mermaid in headless Chromium', () => {
  let browser: RenderBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws every benchmark and the baseline in visible colours on an axis fitted to the data', async () => {
    const page = await browser.page();
    const chart = inspect(await renderMermaid(page, mermaidSource(scoreByStepChart(series, 'v1.0.0'))));
    expect(chart.background).toBe('#ffffff');
    // Two benchmarks and MATH-500's baseline; data from 20.0 (AIME at step 1000) to 84.0.
    expect(chartProblems(chart, { lines: 3, min: 20, max: 84 })).toEqual([]);
    for (const line of chart.lines.slice(0, 2))
      expect(contrast(line.stroke, chart.background)).toBeGreaterThan(3);
    expect(new Set(chart.lines.map((l) => l.stroke)).size).toBe(3);
  });

  it('puts each checkpoint at its real step and score (a numeric step axis, not categories)', async () => {
    const page = await browser.page();
    const chart = inspect(await renderMermaid(page, mermaidSource(scoreByStepChart(series, 'v1.0.0'))));
    const stepAt = axisScale(chart.xTicks);
    const scoreAt = axisScale(chart.yTicks);
    for (const [i, s] of series.entries()) {
      const drawn = (chart.lines[i]?.points ?? []).map(([x, y]) => [stepAt(x), scoreAt(y)] as const);
      for (const p of s.points) {
        // Steps 1000, 2000, 5000 are unevenly spaced: each must sit at its own step, not at 1/3, 2/3.
        const vertex = drawn.find(([step]) => Math.abs(step - p.step) < 5);
        expect(vertex, `${s.benchmark} at step ${p.step}`).toBeDefined();
        expect(vertex?.[1]).toBeCloseTo(p.value * 100, 0);
      }
    }
    const baseline = (chart.lines[2]?.points ?? []).map(([, y]) => scoreAt(y));
    for (const value of baseline) expect(value).toBeCloseTo(80, 0);
  });

  it('the checks catch the chart this project used to draw (near-white line, fixed 0–100 axis)', async () => {
    const page = await browser.page();
    const old = [
      'xychart-beta',
      '  title "aime24"',
      '  x-axis "step" [1000, 2000, 5000]',
      '  y-axis "score (%)" 0 --> 100',
      '  line [20.0, 23.3, 30.0]',
    ].join('\n');
    const problems = chartProblems(inspect(await renderMermaid(page, old)), { lines: 1, min: 20, max: 30 });
    expect(problems).toEqual([
      expect.stringMatching(/^line #ECECFF is invisible on/i),
      'y-axis 0–100 is far wider than the data 20–30',
    ]);
  });
});
