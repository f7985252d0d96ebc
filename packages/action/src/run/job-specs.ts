import { DEFAULT_LIGHTEVAL_VERSION, type PlannedJob } from '@model-eval/planner';
import { type JobSpec, joinRemotePath, type MultiNodeSpec, shellQuote } from '@model-eval/slurm';
import { jobPreflightLines } from './preflight';
import { jobKey } from './run-id';
import { MULTI_NODE_DEFAULTS, type RunSettings } from './run-settings';

/** Where the planner's LightEval command writes, relative to the job's directory (its cwd). */
export const LIGHTEVAL_OUTPUT_DIR = 'lighteval-results';

/** The run's directory on the cluster: every job directory, the state file and the stand-in live here. */
export function runDirectory(settings: Pick<RunSettings, 'remoteDir' | 'runId'>): string {
  return joinRemotePath(settings.remoteDir, settings.runId);
}

/**
 * One planned job as a Slurm job. Each attempt (layout) gets its own directory, so a re-plan after an
 * out-of-memory failure never mixes its results with the failed attempt's.
 */
export function toJobSpec(
  job: PlannedJob,
  jobIndex: number,
  settings: RunSettings,
  options: { standinBinDir?: string; lightevalVersion?: string } = {},
): JobSpec {
  const key = jobKey(settings.runId, jobIndex, job);
  const jobDir = joinRemotePath(runDirectory(settings), key);
  const setup = [...settings.slurm.setup];
  // The stand-in goes first on PATH, after the user's setup, so it shadows any real lighteval there.
  if (options.standinBinDir) setup.push(`export PATH=${shellQuote(options.standinBinDir)}:"$PATH"`);
  // The job checks in its first seconds that its node runs the release it was planned for (compute
  // nodes need not share the login node's environment) and records what it really runs.
  if (options.lightevalVersion) setup.push(...jobPreflightLines(options.lightevalVersion));
  const spec: JobSpec = {
    name: key,
    key,
    runDir: jobDir,
    outputDir: joinRemotePath(jobDir, LIGHTEVAL_OUTPUT_DIR),
    nodes: job.nodes,
    gpusPerNode: job.gpusPerNode,
    requeue: true,
    setup,
    environment: {
      // The site's own variables first: the job's (planned) ones win over them.
      ...settings.multiNode?.extraEnvironment,
      ...job.env,
      // The stand-in imitates one LightEval release: the one this job's command line was planned for.
      ...(options.standinBinDir
        ? { LIGHTEVAL_STANDIN_VERSION: options.lightevalVersion ?? DEFAULT_LIGHTEVAL_VERSION }
        : {}),
    },
    command: job.lightevalArgv,
  };
  const multiNode = multiNodeSpec(job, settings);
  if (multiNode) spec.multiNode = multiNode;
  if (settings.slurm.timeLimit) spec.timeLimit = settings.slurm.timeLimit;
  if (settings.slurm.partition) spec.partition = settings.slurm.partition;
  if (settings.slurm.account) spec.account = settings.slurm.account;
  if (settings.slurm.qos) spec.qos = settings.slurm.qos;
  if (settings.slurm.gresType) spec.gpuType = settings.slurm.gresType;
  if (settings.hfToken) spec.secrets = { HF_TOKEN: settings.hfToken };
  return spec;
}

/**
 * The batch script's part for the ray and serve routes (absent for in-process: the job runs as
 * before). Ports and timeouts from the settings, with their documented defaults.
 */
export function multiNodeSpec(
  job: PlannedJob,
  settings: Pick<RunSettings, 'multiNode'>,
): MultiNodeSpec | undefined {
  const route = job.route ?? 'in-process';
  if (route === 'in-process') return undefined;
  const multi = settings.multiNode ?? {};
  const spec: MultiNodeSpec = {
    route,
    rendezvousPort: multi.rayPort ?? MULTI_NODE_DEFAULTS.rayPort,
    joinTimeoutSeconds: multi.joinTimeoutSeconds ?? MULTI_NODE_DEFAULTS.joinTimeoutSeconds,
  };
  if (multi.networkInterface) spec.networkInterface = multi.networkInterface;
  if (route === 'serve') {
    if (!job.server)
      throw new Error(`job ${job.benchmarks.join(', ')} has route serve but no planned server`);
    spec.serve = {
      argv: job.server.argv,
      servedModelName: job.server.servedModelName,
      port: job.server.port,
      engine: job.server.engine,
      timeoutSeconds: multi.serveTimeoutSeconds ?? MULTI_NODE_DEFAULTS.serveTimeoutSeconds,
    };
  }
  return spec;
}
