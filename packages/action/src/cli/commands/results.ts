import { benchmarkTitle, escapeInline } from '../../report';
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
    const simulatedFiles = new Set(files.filter((f) => f.simulated).map((f) => f.file));
    const format = formatFrom(args);
    if (format === 'json') {
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
          simulated: simulatedFiles.has(r.file),
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
      io.stdout(`${JSON.stringify(output, null, 2)}\n`);
      return 0;
    }
    const scoreText = (r: (typeof rows)[number]) =>
      r.value === null
        ? 'no score'
        : `${(r.value * 100).toFixed(1)} ± ${r.stderr === null ? '?' : (Z_95 * r.stderr * 100).toFixed(1)}`;
    if (format === 'markdown') {
      // For pasting into an issue or PR: the comment's readable names, escaped like the comment.
      const anySimulated = rows.some((r) => simulatedFiles.has(r.file));
      const md = [
        ...(anySimulated
          ? ['> [!WARNING]', '> **SIMULATED**: results of the LightEval stand-in, not of a model.', '']
          : []),
        '| Benchmark | Problems × samples | Score ± 95% CI | LightEval metric | LightEval |',
        '| --- | --- | --- | --- | --- |',
        ...rows.map(
          (r) =>
            `| ${escapeInline(benchmarkTitle(r.benchmark))} | ${r.problems ?? '?'} × ${r.samples ?? '?'} | ${scoreText(r)} | \`${(r.metric || '—').replace(/`/g, '')}\` | ${escapeInline(r.lightevalVersion)} |`,
        ),
        ...rows.flatMap((r) =>
          r.notes.map((n) => `- ${escapeInline(`${benchmarkTitle(r.benchmark)}: ${n}`)}`),
        ),
      ];
      io.stdout(`${md.join('\n')}\n`);
      return 0;
    }
    const table = [
      ['benchmark', 'metric', 'score ± 95% CI', 'samples', 'problems', 'LightEval', ''],
      ...rows.map((r) => [
        r.benchmark,
        r.metric || '—',
        scoreText(r),
        r.samples === null ? '—' : String(r.samples),
        r.problems === null ? '—' : String(r.problems),
        r.lightevalVersion,
        simulatedFiles.has(r.file) ? 'SIMULATED' : '',
      ]),
    ];
    const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
    const lines = table.map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    const notes = rows.flatMap((r) => r.notes.map((n) => `  ${r.benchmark}: ${n}`));
    io.stdout(`${lines.join('\n')}\n${notes.length ? `\nNotes:\n${notes.join('\n')}\n` : ''}`);
    io.stdout(
      `\n${files.length} results file${files.length === 1 ? '' : 's'} read; newest per benchmark shown.\n`,
    );
    return 0;
  },
};
