import { describe, expect, it } from 'vitest';
import { SlurmOutputError, SubmitError } from '../src/index';
import { parseSacct, parseSbatchParsable, parseScontrolJobs, parseSqueue } from '../src/slurm-output';

describe('parseSacct', () => {
  it('reads one record per line, arrays included', () => {
    const stdout = [
      '41|COMPLETED|0:0|00:01:05|2026-01-01T10:00:00|2026-01-01T10:01:05|node1|None',
      '42_0|FAILED|1:0|1-02:03:04|2026-01-01T10:00:00|2026-01-02T12:03:04|node1|NonZeroExitCode',
      '42_[1-199%10]|PENDING|0:0|00:00:00|Unknown|Unknown|None assigned|JobArrayTaskLimit',
      '43|CANCELLED by 1001|0:15|00:00:03|2026-01-01T10:00:00|2026-01-01T10:00:03|node1|None',
      '',
    ].join('\n');
    const records = parseSacct(stdout);
    expect(records.map((r) => r.jobId)).toEqual(['41', '42_0', '42_[1-199%10]', '43']);
    expect(records[1]).toMatchObject({
      state: 'FAILED',
      exitCode: '1:0',
      elapsedSeconds: 93_784,
      nodeList: 'node1',
    });
    expect(records[2]).toMatchObject({ reason: 'JobArrayTaskLimit' });
  });

  it('refuses a line with missing fields rather than guessing', () => {
    expect(() => parseSacct('41|COMPLETED|0:0\n')).toThrow(SlurmOutputError);
    expect(() => parseSacct('sacct: error: something|a|b|c|d|e|f|g\n')).toThrow(SlurmOutputError);
  });
});

describe('parseSqueue', () => {
  it('reads state, reason, elapsed, comment and name', () => {
    const [record] = parseSqueue('57|PENDING|Resources|0:00|N/A|N/A||run-1.math|eval-math\n');
    expect(record).toMatchObject({
      jobId: '57',
      state: 'PENDING',
      reason: 'Resources',
      comment: 'run-1.math',
      name: 'eval-math',
    });
    expect(parseSqueue('58|RUNNING|None|1:02:03|x|y|node1|(null)|n\n')[0]).toMatchObject({
      elapsedSeconds: 3723,
    });
  });
});

describe('parseScontrolJobs', () => {
  it('reads one job per line and names array tasks ARRAY_TASK', () => {
    const stdout = [
      'JobId=70 JobName=a UserId=evalbot(1001) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:04 StartTime=2026-01-01T10:00:00 EndTime=2026-01-01T10:00:04 NodeList=node1',
      'JobId=72 ArrayJobId=71 ArrayTaskId=1 JobName=b JobState=COMPLETED Reason=None ExitCode=0:0 RunTime=00:00:01 NodeList=node1',
    ].join('\n');
    const jobs = parseScontrolJobs(stdout);
    expect(jobs[0]).toMatchObject({ jobId: '70', state: 'FAILED', exitCode: '3:0', elapsedSeconds: 4 });
    expect(jobs[1]).toMatchObject({ jobId: '71_1', state: 'COMPLETED' });
  });
});

describe('parseSbatchParsable', () => {
  it('reads a job id, with or without a cluster', () => {
    expect(parseSbatchParsable('123\n')).toEqual({ jobId: '123' });
    expect(parseSbatchParsable('123;gpu-cluster\n')).toEqual({ jobId: '123', cluster: 'gpu-cluster' });
  });
  it('refuses anything else', () => {
    expect(() => parseSbatchParsable('Submitted batch job 123\n')).toThrow(SubmitError);
  });
});
