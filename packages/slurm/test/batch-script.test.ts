import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GRES_TYPE_PATTERN,
  type JobSpec,
  renderBatchScript,
  renderSecretsFile,
  secretsPath,
  timeLimitSeconds,
  UnsafeBatchValueError,
} from '../src/index';
import { createRandom, generateHostileString } from './generated-strings';

const baseSpec = (runDir = '/scratch/evals/run-1'): JobSpec => ({
  name: 'eval-math500',
  key: 'run-1.math500',
  runDir,
  timeLimit: '04:00:00',
  partition: 'gpu',
  gpusPerNode: 4,
  command: ['lighteval', 'vllm', 'model_name=org/model,max_model_length=32768', 'math_500|0'],
});

const directives = (script: string) => script.split('\n').filter((line) => line.startsWith('#SBATCH '));

describe('renderBatchScript', () => {
  it('writes the directives Slurm needs, with the idempotency key in --comment', () => {
    const script = renderBatchScript({
      ...baseSpec(),
      account: 'ml',
      qos: 'high',
      cpusPerTask: 32,
      memory: '256G',
    });
    expect(script.startsWith('#!/bin/bash -l\n')).toBe(true);
    expect(directives(script)).toEqual([
      '#SBATCH --job-name=eval-math500',
      '#SBATCH --comment=run-1.math500',
      '#SBATCH --time=04:00:00',
      '#SBATCH --partition=gpu',
      '#SBATCH --account=ml',
      '#SBATCH --qos=high',
      '#SBATCH --nodes=1',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --gres=gpu:4',
      '#SBATCH --cpus-per-task=32',
      '#SBATCH --mem=256G',
      '#SBATCH --chdir=/scratch/evals/run-1',
      '#SBATCH --output=/scratch/evals/run-1/slurm-%j.out',
      '#SBATCH --error=/scratch/evals/run-1/slurm-%j.err',
      '#SBATCH --export=NONE',
      '#SBATCH --requeue',
    ]);
  });

  it('lets srun steps inherit the job’s own (clean) environment, not sbatch’s NONE', () => {
    const lines = renderBatchScript(baseSpec()).split('\n');
    expect(lines.indexOf('export SLURM_EXPORT_ENV=ALL')).toBeGreaterThan(
      lines.indexOf('#SBATCH --export=NONE'),
    );
  });

  it('never lets an extra directive widen the environment the job inherits', () => {
    for (const directive of ['--export=ALL', '--export', '--get-user-env', '--export-file=/tmp/env']) {
      expect(() => renderBatchScript({ ...baseSpec(), extraDirectives: [directive] })).toThrow(/environment/);
    }
  });

  it("leaves --time out when no limit is given, so the partition's default applies", () => {
    const { timeLimit: _unused, ...spec } = baseSpec();
    const lines = directives(renderBatchScript(spec));
    expect(lines.some((line) => line.startsWith('#SBATCH --time'))).toBe(false);
    expect(directives(renderBatchScript(baseSpec()))).toContain('#SBATCH --time=04:00:00');
  });

  it('writes arrays with a throttle, --gpus-per-node when asked, and extra directives', () => {
    const script = renderBatchScript({
      ...baseSpec(),
      array: { indices: '0-199', throttle: 10 },
      gpuFlag: 'gpus-per-node',
      gpuType: 'a100',
      requeue: false,
      extraDirectives: ['--reservation=eval', '--exclusive'],
    });
    const lines = directives(script);
    expect(lines).toContain('#SBATCH --array=0-199%10');
    expect(lines).toContain('#SBATCH --gpus-per-node=a100:4');
    expect(lines).toContain('#SBATCH --output=/scratch/evals/run-1/slurm-%A_%a.out');
    expect(lines).toContain('#SBATCH --no-requeue');
    expect(lines.slice(-2)).toEqual(['#SBATCH --reservation=eval', '#SBATCH --exclusive']);
  });

  it("writes the cluster's GRES type into --gres=gpu:TYPE:N, and no type when none is given", () => {
    const gres = (spec: Partial<JobSpec>) =>
      directives(renderBatchScript({ ...baseSpec(), ...spec })).filter((l) => l.includes('--gres'));
    expect(gres({ gpuType: 'h100' })).toEqual(['#SBATCH --gres=gpu:h100:4']);
    expect(gres({ gpuType: 'a100_80g.sxm-4', gpusPerNode: 8 })).toEqual([
      '#SBATCH --gres=gpu:a100_80g.sxm-4:8',
    ]);
    expect(gres({})).toEqual(['#SBATCH --gres=gpu:4']);
  });

  it('refuses a GRES type outside [A-Za-z0-9_.-]: it would change the request or the script', () => {
    // `:` adds a field (gpu:h100:2:4), `,` a second GRES, `%`/`$`/space/newline are sbatch or shell syntax.
    for (const gpuType of [
      '',
      'h100:2',
      'h100,mps:1',
      'h100 --account=x',
      'h100\n#SBATCH --qos=x',
      "h'1",
      'a%j',
      'é',
    ]) {
      const render = () => renderBatchScript({ ...baseSpec(), gpuType });
      expect(render, gpuType).toThrow(UnsafeBatchValueError);
      expect(render, gpuType).toThrow(/not a GRES type name/);
    }
  });

  it('checks GRES_TYPE_PATTERN itself: exactly letters, digits, _ . -', () => {
    expect(GRES_TYPE_PATTERN.test('H100-80GB_v2.1')).toBe(true);
    for (const bad of ['h100/1', 'h100*', 'h100;', '']) expect(GRES_TYPE_PATTERN.test(bad), bad).toBe(false);
  });

  it('refuses a newline in a directive value with a clear error', () => {
    const render = () =>
      renderBatchScript({ ...baseSpec(), partition: 'gpu\n#SBATCH --account=someone-else' });
    expect(render).toThrow(UnsafeBatchValueError);
    expect(render).toThrow(/--partition contains a newline/);
  });

  it.each([
    ['a space', { account: 'my account' }],
    ['a quote', { qos: "hi'gh" }],
    ['a dollar sign', { constraint: '$(id)' }],
    ['an empty value', { memory: '' }],
    ['an unsafe key', { key: 'run 1' }],
    ['a comma in the job name', { name: 'a,b' }],
    ['a bad time limit', { timeLimit: 'four hours' }],
    ['bad array indices', { array: { indices: '0-9;id' } }],
    ['a zero GPU count', { gpusPerNode: 0 }],
    ['an extra directive that is not an option', { extraDirectives: ['--x\n#SBATCH --y'] }],
    ['a bad environment name', { environment: { 'A-B': 'x' } }],
  ])('refuses %s', (_, change) => {
    expect(() => renderBatchScript({ ...baseSpec(), ...(change as Partial<JobSpec>) })).toThrow(
      UnsafeBatchValueError,
    );
  });

  it('runs under bash with every environment value and argument intact, sourcing and then deleting the secrets', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'batch-script-'));
    const random = createRandom(42);
    const hostile = Array.from({ length: 40 }, () => generateHostileString(random));
    const spec: JobSpec = {
      ...baseSpec(runDir),
      environment: Object.fromEntries(hostile.map((value, i) => [`VALUE_${i}`, value])),
      secrets: { HF_TOKEN: "hf_s3cr3t'$(id)" },
      setup: ['export SETUP_RAN=yes'],
      command: [
        'bash',
        '-c',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash indirect expansion
        'for i in $(seq 0 39); do v="VALUE_$i"; printf "%s\\0" "${!v}"; done; printf "%s\\0" "$HF_TOKEN" "$SETUP_RAN" "$@"',
        'argv0',
        ...hostile,
      ],
    };
    const script = renderBatchScript(spec);
    expect(script).not.toContain('hf_s3cr3t');
    writeFileSync(secretsPath(spec), renderSecretsFile(spec.secrets ?? {}), { mode: 0o600 });
    const result = spawnSync('bash', ['-c', script], { cwd: runDir });
    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
    const words = result.stdout.toString('utf8').split('\0').slice(0, -1);
    expect(words).toEqual([...hostile, "hf_s3cr3t'$(id)", 'yes', ...hostile]);
    expect(existsSync(secretsPath(spec))).toBe(false);
  });

  it('keeps the secrets file when Slurm stops the job with SIGTERM, so a requeued run can read it', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'batch-script-'));
    const spec: JobSpec = { ...baseSpec(runDir), secrets: { HF_TOKEN: 'x' }, command: ['sleep', '30'] };
    writeFileSync(secretsPath(spec), renderSecretsFile({ HF_TOKEN: 'x' }), { mode: 0o600 });
    // Slurm signals every process of the job; a process group stands in for the job here.
    const job = spawn('bash', ['-c', renderBatchScript(spec)], {
      cwd: runDir,
      detached: true,
      stdio: 'ignore',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(-(job.pid ?? 0), 'SIGTERM');
    const code = await new Promise<number | null>((resolve) =>
      job.on('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(143);
    expect(statSync(secretsPath(spec)).mode & 0o777).toBe(0o600);
  });

  it('fails clearly when the secrets file is gone', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'batch-script-'));
    const spec: JobSpec = { ...baseSpec(runDir), secrets: { HF_TOKEN: 'x' }, command: ['true'] };
    const result = spawnSync('bash', ['-c', renderBatchScript(spec)], { cwd: runDir });
    expect(result.status).toBe(97);
    expect(result.stderr.toString()).toMatch(/secrets file .* is missing/);
  });
});

describe('timeLimitSeconds', () => {
  it.each([
    ['30', 1800],
    ['30:15', 1815],
    ['04:00:00', 14_400],
    ['1-00', 86_400],
    ['1-02:03', 93_780],
    ['2-00:00:01', 172_801],
  ])('reads %s as %d s', (limit, seconds) => {
    expect(timeLimitSeconds(limit)).toBe(seconds);
  });
  it('rejects other forms', () => {
    expect(timeLimitSeconds('4h')).toBeUndefined();
  });
});
