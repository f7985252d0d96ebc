import type { Logger } from '@model-eval/slurm';
import { addBaselineFrom, baselineRuleOf } from '../action/publish/baseline';
import { publishToHub } from '../action/publish/hub-upload';
import { hubRepoIdProblem, hubRevisionProblem } from '../config/hub-names';
import { DEFAULT_RETRY, type HubClient, hubClientFromEnv } from '../hub';
import type { RunReport } from '../report';
import { formatBaselineSpec, InvalidBaselineError, parseBaselineSpec } from '../request';
import type { BaselineSpec } from '../request/eval-request';
import type { RunOutcome } from '../run/run-evaluation';
import type { RunSettings } from '../run/run-settings';
import { type CliIo, type OptionSpec, type ParsedArgs, stringOption, UsageError } from './command';

/** `--results-repo` and `--baseline`: the action inputs `results-repo` and `baseline`, from a terminal. */
export const resultsRepoOptions: Record<string, OptionSpec> = {
  'results-repo': {
    type: 'string',
    description: 'Hub dataset of results (org/name): baselines are read there; run also uploads (HF_TOKEN)',
    valueName: 'org/name',
  },
  baseline: {
    type: 'string',
    description: 'Compare with: previous-tag, base-revision (the model at main), none, or model@revision',
    valueName: 'rule',
  },
};

export const noUploadOption: Record<string, OptionSpec> = {
  'no-upload': {
    type: 'boolean',
    description: 'With --results-repo: read the baseline there, upload nothing',
  },
};

export interface ResultsRepoRequest {
  repo: string;
  baseline: BaselineSpec;
  /** `run`/`collect` upload unless `--no-upload`; `results` never does. */
  upload: boolean;
}

/** The two flags, checked like the action checks its inputs; undefined without `--results-repo`. */
export function resultsRepoFromArgs(args: ParsedArgs): ResultsRepoRequest | undefined {
  const repo = stringOption(args, 'results-repo');
  const text = stringOption(args, 'baseline');
  if (repo === undefined) {
    if (text !== undefined && text !== 'none') {
      throw new UsageError('--baseline needs --results-repo (the Hub dataset the baseline is read from)');
    }
    if (args.values['no-upload'] === true) throw new UsageError('--no-upload goes with --results-repo');
    return undefined;
  }
  const repoProblem = hubRepoIdProblem(repo);
  if (repoProblem) throw new UsageError(`--results-repo '${repo}' is not a Hub repo id: it ${repoProblem}`);
  let baseline: BaselineSpec = { kind: 'none' };
  if (text !== undefined) {
    try {
      baseline = parseBaselineSpec(text);
    } catch (error) {
      if (error instanceof InvalidBaselineError) throw new UsageError(`--${error.message}. ${error.hint}`);
      throw error;
    }
  }
  if (baseline.kind === 'fixed') {
    const problem = hubRepoIdProblem(baseline.model) ?? hubRevisionProblem(baseline.revision);
    if (problem) throw new UsageError(`--baseline '${text}' is not model@revision: it ${problem}`);
  }
  return { repo, baseline, upload: args.values['no-upload'] !== true };
}

/** The Hub client of the CLI: HF_ENDPOINT, HF_TOKEN, and every retry said on stderr. */
export function cliHubClient(io: CliIo, logger: Logger): HubClient {
  return hubClientFromEnv(io.env, {
    ...(io.env.HF_TOKEN && { accessToken: io.env.HF_TOKEN }),
    retry: { ...DEFAULT_RETRY, onRetry: (message) => logger.warn(message) },
  });
}

/**
 * The baseline into `report.baseline` through the action's own code (rule, lookup, paired
 * comparison); a baseline that cannot be read is a note and a warning, as in the action.
 */
export async function addCliBaseline(
  hub: HubClient,
  request: ResultsRepoRequest,
  current: { model: string; revision: string },
  run: Pick<RunOutcome, 'results' | 'localResultsDir'>,
  report: RunReport,
  logger: Logger,
): Promise<void> {
  // No pull request here: `base-revision` is the model at main, as in the action without one.
  const rule = baselineRuleOf(request.baseline, { baseRevision: 'main' });
  if (!rule) return;
  report.notes ??= [];
  logger.info(`Reading the baseline (${formatBaselineSpec(request.baseline)}) from ${request.repo}.`);
  await addBaselineFrom(hub, { repo: request.repo, rule, current }, run, report, logger);
}

/** `run --results-repo`: the action's upload (results, details, summary rows, card). Null or the failure. */
export async function uploadCliRun(
  hub: HubClient,
  request: ResultsRepoRequest,
  settings: RunSettings,
  outcome: RunOutcome,
  logger: Logger,
): Promise<string | null> {
  if (!request.upload || outcome.results.length === 0) return null;
  const say = (message: string | Error) => logger.warn(String(message));
  const core = { info: logger.info, warning: say, error: say };
  return publishToHub(
    core,
    hub,
    { resultsRepo: request.repo, request: {} },
    settings,
    outcome,
    outcome.report,
    {
      runUrl: undefined,
    },
  );
}
