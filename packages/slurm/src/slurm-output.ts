import { z } from 'zod';
import { SlurmOutputError, SubmitError } from './errors';
import { parseSlurmDuration, type RawJobRecord } from './job-state';

/**
 * Parsers for what Slurm commands print. Every field we asked for must be there; a line with the wrong
 * number of fields is an error, not a guess, because a guessed state could end a watch wrongly.
 */

export const SACCT_FIELDS = [
  'JobID',
  'State',
  'ExitCode',
  'Elapsed',
  'Start',
  'End',
  'NodeList',
  'Reason',
] as const;

const jobIdSchema = z.string().regex(/^\d+(?:_(?:\d+|\[[^\]]*\]))?(?:\+\d+)?$/, 'not a Slurm job id');
const sacctLineSchema = z.tuple([
  jobIdSchema,
  z.string().min(1),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
]);

/** `sacct -X -P -n -o JobID,State,ExitCode,Elapsed,Start,End,NodeList,Reason`. */
export function parseSacct(stdout: string): RawJobRecord[] {
  return nonEmptyLines(stdout).map((line) => {
    const [jobId, state, exitCode, elapsed, start, end, nodeList, reason] = parseLine(
      sacctLineSchema,
      line.split('|'),
      'sacct',
      line,
    );
    return {
      jobId,
      state,
      exitCode,
      elapsedSeconds: parseSlurmDuration(elapsed) ?? 0,
      startTime: start,
      endTime: end,
      nodeList,
      reason,
    };
  });
}

/** squeue's `-o` format for the fallback watch and for finding jobs by key. */
export const SQUEUE_FORMAT = '%i|%T|%r|%M|%S|%e|%N|%k|%j';
const squeueLineSchema = z.tuple([
  jobIdSchema,
  z.string().min(1),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
]);

export interface SqueueRecord extends RawJobRecord {
  comment: string;
  name: string;
}

export function parseSqueue(stdout: string): SqueueRecord[] {
  return nonEmptyLines(stdout).map((line) => {
    // The comment and name are last and may, in principle, hold `|`: split the fixed fields off the front.
    const parts = line.split('|');
    const fixed = parts.slice(0, 7);
    const rest = parts.slice(7).join('|');
    const [name, ...commentParts] = rest.split('|').reverse();
    const comment = commentParts.reverse().join('|');
    const [jobId, state, reason, elapsed, start, end, nodeList, parsedComment, parsedName] = parseLine(
      squeueLineSchema,
      [...fixed, comment, name ?? ''],
      'squeue',
      line,
    );
    return {
      jobId,
      state,
      reason,
      elapsedSeconds: parseSlurmDuration(elapsed) ?? 0,
      startTime: start,
      endTime: end,
      nodeList,
      comment: parsedComment,
      name: parsedName,
    };
  });
}

/** `sacct -X -P -n -o JobID,JobName,State,Comment,Submit` for finding a job by name or key. */
export const SACCT_FIND_FIELDS = ['JobID', 'JobName', 'State', 'Comment', 'Submit'] as const;
const sacctFindSchema = z.tuple([jobIdSchema, z.string(), z.string().min(1), z.string(), z.string()]);

export function parseSacctFind(
  stdout: string,
): Array<{ jobId: string; name: string; state: string; comment: string }> {
  return nonEmptyLines(stdout).map((line) => {
    const parts = line.split('|');
    // JobName may contain `|` in theory; the other fields cannot.
    const normalised =
      parts.length > 5
        ? [parts[0] ?? '', parts.slice(1, parts.length - 3).join('|'), ...parts.slice(-3)]
        : parts;
    const [jobId, name, state, comment] = parseLine(sacctFindSchema, normalised, 'sacct', line);
    return { jobId, name, state, comment };
  });
}

/**
 * `scontrol -o show job [id]`: one job per line of `Key=Value` pairs. Values may contain spaces only in
 * the last fields we do not read, so split on ` Key=`.
 */
const scontrolJobSchema = z.object({
  JobId: z.string().regex(/^\d+$/),
  JobState: z.string().min(1),
  ExitCode: z.string().optional(),
  Reason: z.string().optional(),
  RunTime: z.string().optional(),
  StartTime: z.string().optional(),
  EndTime: z.string().optional(),
  NodeList: z.string().optional(),
  ArrayJobId: z.string().optional(),
  ArrayTaskId: z.string().optional(),
  Comment: z.string().optional(),
});

export function parseScontrolJobs(stdout: string): RawJobRecord[] {
  return nonEmptyLines(stdout)
    .filter((line) => line.startsWith('JobId='))
    .map((line) => {
      const fields: Record<string, string> = {};
      for (const match of line.matchAll(/(?:^|\s)([A-Za-z][A-Za-z0-9:/_]*)=(\S*)/g)) {
        const [, key, value] = match;
        if (key !== undefined && !(key in fields)) fields[key] = value ?? '';
      }
      const job = parseLine(scontrolJobSchema, fields, 'scontrol', line);
      // Array tasks are known to users (and to sacct/squeue) as ARRAYID_TASK.
      const jobId =
        job.ArrayJobId && job.ArrayTaskId !== undefined && /^\d+$/.test(job.ArrayTaskId)
          ? `${job.ArrayJobId}_${job.ArrayTaskId}`
          : job.JobId;
      return {
        jobId,
        state: job.JobState,
        exitCode: job.ExitCode,
        reason: job.Reason,
        elapsedSeconds: job.RunTime ? (parseSlurmDuration(job.RunTime) ?? 0) : 0,
        startTime: job.StartTime,
        endTime: job.EndTime,
        nodeList: job.NodeList,
      };
    });
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatchParsable(stdout: string): { jobId: string; cluster?: string } {
  const line = nonEmptyLines(stdout).at(-1)?.trim() ?? '';
  const match = /^(\d+)(?:;(\S+))?$/.exec(line);
  if (!match?.[1]) {
    throw new SubmitError(
      `sbatch answered ${JSON.stringify(stdout.trim())} instead of a job id.`,
      'Check that the cluster runs Slurm ≥ 17 (which supports --parsable) and that nothing in the login shell prints to stdout.',
    );
  }
  return match[2] ? { jobId: match[1], cluster: match[2] } : { jobId: match[1] };
}

function nonEmptyLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

function parseLine<T>(schema: z.ZodType<T>, value: unknown, command: string, line: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new SlurmOutputError(
      `Could not read a line of ${command} output: ${JSON.stringify(line)} (${z.prettifyError(result.error)}).`,
      `The cluster's ${command} printed something unexpected; check its version and any wrapper scripts around it.`,
    );
  }
  return result.data;
}
