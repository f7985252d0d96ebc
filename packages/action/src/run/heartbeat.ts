import type { SlurmJobState } from '@model-eval/slurm';
import { escapeTerminal } from '../report/escape';
import { formatSeconds } from './run-report';

/** The longest silence while jobs wait or run: a line per live job at least this often. */
export const HEARTBEAT_INTERVAL_MS = 60_000;

export interface HeartbeatJob {
  jobId: string;
  benchmarks: readonly string[];
  /** A seed job of a `seeds: N` run: the line names its seed, so its repeats are told apart. */
  seed?: number;
  state: SlurmJobState;
}

export interface HeartbeatDeps {
  now: () => number;
  /** Calls `tick` every `ms` until the returned stop is called (setInterval in production). */
  every: (ms: number, tick: () => void) => () => void;
  say: (line: string) => void;
  /** The live jobs as last polled. */
  jobs: () => readonly HeartbeatJob[];
  /** The tail of a running job's LightEval log (stderr), read with the bounded reader; undefined if unreadable. */
  readLogTail?: (jobId: string) => Promise<string | undefined>;
  intervalMs?: number;
}

/**
 * tqdm's default bar as LightEval and vLLM draw it on stderr, `{desc}: {percentage:3.0f}%|{bar}|
 * {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]` (tqdm std.py format_meter),
 * redrawn with `\r` in a log file. The bars a run shows: LightEval's `Splits` (v0.13.0
 * src/lighteval/models/vllm/vllm_model.py, `tqdm(..., desc="Splits")`) and vLLM's `Processed
 * prompts` (vllm/entrypoints/llm.py, `LLM.generate(tqdm_desc="Processed prompts")`).
 */
const TQDM =
  /([^\r\n|]*?):\s*(\d{1,3})%\|[^|\r\n]*\|\s*(\d+(?:\.\d+)?[kMG]?)\/(\d+(?:\.\d+)?[kMG]?)\s*\[([^\]<\r\n]*)<([^,\]\r\n]*)/g;

/** The last progress bar in a log tail, as `Processed prompts 37% (185/500, 02:20 left)`; undefined without one. */
export function lightevalProgress(logTail: string): string | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of logTail.matchAll(TQDM)) last = match;
  if (!last) return undefined;
  const [, desc = '', percent, done, total, , remaining = ''] = last;
  const left = remaining.trim() && remaining.trim() !== '?' ? `, ${remaining.trim()} left` : '';
  const name = desc.replace(/^.*\]\s*/, '').trim() || 'progress';
  return escapeTerminal(`${name} ${percent}% (${done}/${total}${left})`, { oneLine: true });
}

/** One job's line: state, queue reason, how long it has waited or run, and its LightEval progress. */
export function heartbeatLine(
  job: HeartbeatJob,
  waitedSeconds: number,
  progress: string | undefined,
): string {
  const { state } = job;
  const reason = 'reason' in state && state.reason ? ` (${state.reason})` : '';
  const pending = state.state === 'PENDING';
  const seconds = pending ? waitedSeconds : Math.max(state.elapsedSeconds, 0);
  const how = pending ? `waiting ${formatSeconds(seconds)}` : `elapsed ${formatSeconds(seconds)}`;
  const lightEval = progress ? `, LightEval ${progress}` : '';
  const seed = job.seed !== undefined ? `, seed ${job.seed}` : '';
  return `Job ${job.jobId} (${job.benchmarks.join(', ')}${seed}): still ${state.state}${reason}, ${how}${lightEval}`;
}

/**
 * Prints a line per live job every `intervalMs` (default one minute), whatever the polls do: a
 * job that waits in the queue for hours, or runs for hours without changing state, is never silent.
 */
export function startHeartbeat(deps: HeartbeatDeps): { stop: () => void; tick: () => Promise<void> } {
  const firstSeen = new Map<string, { state: string; at: number }>();
  let busy = false;
  const tick = async () => {
    if (busy) return; // a slow log read (over SSH) never piles up ticks
    busy = true;
    try {
      for (const job of deps.jobs()) {
        if (job.state.class !== 'running') continue;
        const seen = firstSeen.get(job.jobId);
        if (!seen || seen.state !== job.state.state) {
          firstSeen.set(job.jobId, { state: job.state.state, at: deps.now() });
        }
        const since = firstSeen.get(job.jobId)?.at ?? deps.now();
        const running = job.state.state === 'RUNNING';
        const tail = running ? await deps.readLogTail?.(job.jobId).catch(() => undefined) : undefined;
        deps.say(heartbeatLine(job, (deps.now() - since) / 1000, tail ? lightevalProgress(tail) : undefined));
      }
    } finally {
      busy = false;
    }
  };
  // Jobs seen from the start: the first line's "waiting" counts from when the watch began.
  for (const job of deps.jobs()) firstSeen.set(job.jobId, { state: job.state.state, at: deps.now() });
  const stop = deps.every(deps.intervalMs ?? HEARTBEAT_INTERVAL_MS, () => void tick());
  return { stop, tick };
}

/** `every` for production: an unref'd interval, so it never keeps the process alive. */
export function everyInterval(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}
