import type { CheckpointPoint } from './types';

/**
 * A Mermaid `xychart-beta` of one benchmark's score (%) against training step; GitHub renders
 * Mermaid blocks natively. Benchmark names are catalog names or task names, but are still quoted
 * and stripped of characters that could end the title or the block.
 */
export function checkpointChart(benchmark: string, points: readonly CheckpointPoint[]): string {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const title = benchmark.replace(/["`\n\r]/g, '');
  const steps = sorted.map((p) => String(Math.round(p.step)));
  const values = sorted.map((p) => (p.value * 100).toFixed(1));
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${title}: score vs training step"`,
    `  x-axis "step" [${steps.join(', ')}]`,
    '  y-axis "score (%)" 0 --> 100',
    `  line [${values.join(', ')}]`,
    '```',
  ].join('\n');
}
