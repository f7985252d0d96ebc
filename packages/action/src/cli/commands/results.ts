import {
  benchmarkTitle,
  escapeCodeSpan,
  escapeInline,
  escapeTerminal,
  type RunReport,
  renderReport,
  renderReportText,
  reportVerdict,
} from '../../report';
import { collectResults } from '../../results';
import { countWhatRan } from '../../run/collect-results';
import { withStatistics } from '../../run/run-evaluation';
import { Z_95 } from '../../stats';
import {
  type CliIo,
  type CommandSpec,
  formatFrom,
  formatOption,
  type OutputFormat,
  type ParsedArgs,
  stringOption,
  UsageError,
} from '../command';
import {
  addCliBaseline,
  cliHubClient,
  type ResultsRepoRequest,
  resultsRepoFromArgs,
  resultsRepoOptions,
} from '../results-repo';
import { stderrLoggerFor } from '../run-options';

export const resultsCommand: CommandSpec = {
  name: 'results',
  summary: 'Parse LightEval results files under a directory',
  positionals: [
    { name: '<dir>', description: 'Directory holding results/**/results_*.json', required: true },
  ],
  options: {
    ...formatOption,
    json: { type: 'boolean', description: 'Same as --format json' },
    ...resultsRepoOptions,
    model: {
      type: 'string',
      description: 'With --baseline: the model the results are of (default: as the results files name it)',
      valueName: 'id',
    },
    revision: {
      type: 'string',
      description: 'With --baseline: the revision the results are of (default main)',
      valueName: 'rev',
    },
  },
  run: async (args, io) => {
    const dir = args.positionals[0] as string;
    const format = formatFrom(args);
    const request = resultsRepoFromArgs(args);
    if (!request && (args.values.model !== undefined || args.values.revision !== undefined)) {
      throw new UsageError('--model and --revision go with --results-repo and --baseline');
    }
    const collected = await collectResults(dir);
    // What ran comes from the details (rows per problem, every seed's), never from the metric name.
    await countWhatRan({ results: collected.rows, localResultsDir: dir });
    if (request) return resultsWithBaseline(dir, collected, request, { args, io, format });
    const { rows, files } = collected;
    const simulated = new Set(files.filter((f) => f.simulated).map((f) => f.file));
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

/**
 * `results DIR --results-repo R --baseline B`: the local results against the baseline the action
 * would compare with (its own lookup and paired test), shown as the PR comment's table is.
 */
async function resultsWithBaseline(
  dir: string,
  collected: Collected,
  request: ResultsRepoRequest,
  cli: { args: ParsedArgs; io: CliIo; format: OutputFormat },
): Promise<number> {
  const { args, io, format } = cli;
  const model =
    stringOption(args, 'model') ?? [...collected.files].reverse().find((f) => f.modelName)?.modelName;
  if (!model) throw new UsageError('--model is needed: the results files do not name their model');
  const revision = stringOption(args, 'revision') ?? 'main';
  const simulated = collected.files.some((f) => f.simulated);
  const logger = stderrLoggerFor(io, simulated);
  const report: RunReport = {
    model,
    revision,
    status: 'succeeded',
    simulated,
    jobs: [],
    results: collected.rows,
    notes: [],
  };
  const run: Parameters<typeof countWhatRan>[0] = { results: collected.rows, localResultsDir: dir };
  // What ran, and the intervals, from the details, as the run's report has them: the tables then match.
  await countWhatRan(run);
  report.results = withStatistics(report.results, run.perProblem ?? new Map(), undefined);
  await addCliBaseline(cliHubClient(io, logger), request, { model, revision }, run, report, logger);
  io.stdout(
    format === 'json'
      ? `${JSON.stringify({ model, revision, verdict: reportVerdict(report), results: collected.rows, baseline: report.baseline ?? null, notes: report.notes }, null, 2)}\n`
      : format === 'markdown'
        ? `${renderReport(report)}\n`
        : renderReportText(report),
  );
  return 0;
}

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
      // A `seeds: N` run's directory: each seed's own score and file (the row is their merge).
      ...(r.seedRuns && { seedRuns: r.seedRuns }),
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
