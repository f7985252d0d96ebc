import { benchmarkTitle, escapeCodeSpan, escapeInline, escapeTerminal } from '../../report';
import { collectResults } from '../../results';
import { Z_95 } from '../../stats';
import { type CommandSpec, formatFrom, formatOption } from '../command';

export const resultsCommand: CommandSpec = {
  name: 'results',
  summary: 'Parse LightEval results files under a directory',
  positionals: [
    { name: '<dir>', description: 'Directory holding results/**/results_*.json', required: true },
  ],
  options: {
    ...formatOption,
    json: { type: 'boolean', description: 'Same as --format json' },
  },
  run: async (args, io) => {
    const dir = args.positionals[0] as string;
    const { rows, files } = await collectResults(dir);
    const simulated = new Set(files.filter((f) => f.simulated).map((f) => f.file));
    const format = formatFrom(args);
    io.stdout(
      format === 'json'
        ? resultsJson(rows, files, simulated)
        : format === 'markdown'
          ? resultsMarkdown(rows, simulated)
          : resultsText(rows, files, simulated),
    );
    return 0;
  },
};

type Collected = Awaited<ReturnType<typeof collectResults>>;
type Row = Collected['rows'][number];

function resultsJson(rows: Row[], files: Collected['files'], simulated: Set<string>): string {
  const output = {
    rows: rows.map((r) => ({
      benchmark: r.benchmark,
      task: r.task,
      metric: r.metric,
      // JSON has no NaN: a missing score is null, with the reason in notes.
      value: r.value,
      stderr: r.stderr,
      samples: r.samples,
      problems: r.problems,
      lightevalVersion: r.lightevalVersion,
      simulated: simulated.has(r.file),
      notes: r.notes,
      file: r.file,
    })),
    files: files.map((f) => ({
      file: f.file,
      timestamp: f.timestamp,
      model: f.modelName,
      evaluationSeconds: f.evaluationSeconds,
      simulated: f.simulated,
    })),
  };
  return `${JSON.stringify(output, null, 2)}\n`;
}

function scoreText(r: Row): string {
  return r.value === null
    ? 'no score'
    : `${(r.value * 100).toFixed(1)} ± ${r.stderr === null ? '?' : (Z_95 * r.stderr * 100).toFixed(1)}`;
}

/** For pasting into an issue or PR: the comment's readable names, escaped like the comment. */
function resultsMarkdown(rows: Row[], simulated: Set<string>): string {
  const anySimulated = rows.some((r) => simulated.has(r.file));
  const md = [
    ...(anySimulated
      ? ['> [!WARNING]', '> **SIMULATED**: results of the LightEval stand-in, not of a model.', '']
      : []),
    '| Benchmark | Problems × samples | Score ± 95% CI | LightEval metric | LightEval |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${escapeInline(benchmarkTitle(r.benchmark))} | ${r.problems ?? '?'} × ${r.samples ?? '?'} | ${scoreText(r)} | ${escapeCodeSpan(r.metric || '—')} | ${escapeInline(r.lightevalVersion)} |`,
    ),
    ...rows.flatMap((r) => r.notes.map((n) => `- ${escapeInline(`${benchmarkTitle(r.benchmark)}: ${n}`)}`)),
  ];
  return `${md.join('\n')}\n`;
}

/** For a terminal: aligned columns; every string from a results file made inert for it. */
function resultsText(rows: Row[], files: Collected['files'], simulated: Set<string>): string {
  const cell = (text: string) => escapeTerminal(text, { oneLine: true });
  const table = [
    ['benchmark', 'metric', 'score ± 95% CI', 'samples', 'problems', 'LightEval', ''],
    ...rows.map((r) => [
      cell(r.benchmark),
      cell(r.metric || '—'),
      scoreText(r),
      r.samples === null ? '—' : String(r.samples),
      r.problems === null ? '—' : String(r.problems),
      cell(r.lightevalVersion),
      simulated.has(r.file) ? 'SIMULATED' : '',
    ]),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = table.map((row) =>
    row
      .map((text, i) => text.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const notes = rows.flatMap((r) => r.notes.map((n) => `  ${cell(`${r.benchmark}: ${n}`)}`));
  return (
    `${lines.join('\n')}\n${notes.length ? `\nNotes:\n${notes.join('\n')}\n` : ''}` +
    `\n${files.length} results file${files.length === 1 ? '' : 's'} read; newest per benchmark shown.\n`
  );
}
