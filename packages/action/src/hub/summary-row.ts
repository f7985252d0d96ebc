import { z } from 'zod';

/** One line of `summary.jsonl`: what a run measured, enough to pick baselines and draw series. */
export const summaryRowSchema = z.object({
  model: z.string(),
  revision: z.string(),
  /** Training step, for checkpoint evaluations. */
  step: z.number().nullish(),
  finishedAt: z.string(),
  workflowRun: z.string().nullish(),
  lightevalVersion: z.string().nullish(),
  simulated: z.boolean(),
  scores: z.record(
    z.string(),
    z.object({ metric: z.string(), value: z.number().nullable(), stderr: z.number().nullable() }),
  ),
});

export type SummaryRow = z.infer<typeof summaryRowSchema>;

/** Parses `summary.jsonl`; a line that does not parse is skipped and counted, never fatal for a baseline lookup. */
export function parseSummaryJsonl(text: string): { rows: SummaryRow[]; skippedLines: number } {
  const rows: SummaryRow[] = [];
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = summaryRowSchema.safeParse(JSON.parse(line));
      if (parsed.success) rows.push(parsed.data);
      else skippedLines++;
    } catch {
      skippedLines++;
    }
  }
  return { rows, skippedLines };
}
