import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalTransport, shellQuote } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import {
  decideLightevalVersion,
  jobPreflightLines,
  PreflightError,
  type PreflightProbe,
  parseJobVersionsRecord,
  parsePreflightOutput,
  preflight,
  preflightScript,
} from '../../src/run/preflight';
import { findStandinScript } from '../../src/run/standin';

// Preflight runs the job's setup lines and asks the environment what it has, through the real bash
// and the real Python of this machine (importlib.metadata reads a dist-info directory, as pip leaves it).

const transport = createLocalTransport();
const BASE_PATH = '/usr/bin:/bin';

/** A fake environment: a `lighteval` executable and, optionally, pip metadata Python can read. */
function environment(options: { lighteval?: 'script' | 'standin'; dists?: Record<string, string> }) {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
  const bin = join(dir, 'bin');
  const site = join(dir, 'site-packages');
  mkdirSync(bin);
  mkdirSync(site);
  if (options.lighteval === 'script') {
    writeFileSync(join(bin, 'lighteval'), '#!/bin/sh\necho real\n');
    chmodSync(join(bin, 'lighteval'), 0o755);
  }
  if (options.lighteval === 'standin') copyFileSync(findStandinScript() ?? '', join(bin, 'lighteval'));
  for (const [name, version] of Object.entries(options.dists ?? {})) {
    const info = join(site, `${name}-${version}.dist-info`);
    mkdirSync(info);
    writeFileSync(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
  }
  return [
    `export PATH=${shellQuote(bin)}:${BASE_PATH}:${shellQuote(process.execPath.replace(/\/node$/, ''))}`,
    `export PYTHONPATH=${shellQuote(site)}`,
  ];
}

describe('preflight over a transport', () => {
  it('reports the versions the job environment has and takes the installed release for auto', async () => {
    const setup = environment({
      lighteval: 'script',
      dists: { lighteval: '0.12.2', vllm: '0.10.1.1', torch: '2.7.1', transformers: '4.56.1' },
    });
    const report = await preflight(transport, [...setup, 'echo noise from the setup'], {
      lightevalVersion: 'auto',
    });
    expect(report).toMatchObject({
      lightevalVersion: '0.12.2',
      versions: { lighteval: '0.12.2', vllm: '0.10.1.1', torch: '2.7.1', transformers: '4.56.1' },
      simulated: false,
      failedSetupLines: [],
    });
    expect(report.lightevalPath).toMatch(/\/bin\/lighteval$/);
    expect(report.summary).toBe('lighteval 0.12.2, vllm 0.10.1.1, torch 2.7.1, transformers 4.56.1');
  });

  it('refuses an explicit version that disagrees with the installed one, naming both', async () => {
    const setup = environment({ lighteval: 'script', dists: { lighteval: '0.13.0' } });
    const error = await preflight(transport, setup, { lightevalVersion: '0.12.0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).message).toContain('lighteval-version is 0.12.0');
    expect((error as PreflightError).message).toContain('LightEval 0.13.0 installed');
    expect((error as PreflightError).hint).toContain('lighteval-version: auto');
    await expect(preflight(transport, setup, { lightevalVersion: '0.13' })).resolves.toMatchObject({
      lightevalVersion: '0.13.0',
    });
  });

  it('a missing lighteval names job-setup and shows an example', async () => {
    const setup = environment({});
    const error = await preflight(transport, setup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).message).toContain('`lighteval` is not on the PATH');
    expect((error as PreflightError).hint).toMatch(/job-setup: \|\n\s+source .*activate/);
  });

  it('asks the LightEval stand-in for its release (test cluster, --simulate), marked simulated', async () => {
    const setup = [...environment({ lighteval: 'standin' }), 'export LIGHTEVAL_STANDIN_VERSION=0.10.0'];
    const report = await preflight(transport, setup, {});
    expect(report).toMatchObject({ lightevalVersion: '0.10.0', simulated: true });
    expect(report.versions.vllm).toBe('0.8.4');
    expect(report.summary).toMatch(/^SIMULATED lighteval 0\.10\.0/);
  });

  it('reports a setup line that fails, and still runs the rest', async () => {
    const setup = [...environment({ lighteval: 'script', dists: { lighteval: '0.11.0' } }), 'false', 'true'];
    const report = await preflight(transport, setup);
    expect(report.failedSetupLines).toEqual([3]);
    expect(report.lightevalVersion).toBe('0.11.0');
  });
});

describe('decideLightevalVersion', () => {
  const probe = (overrides: Partial<PreflightProbe>): PreflightProbe => ({
    lightevalPath: '/env/bin/lighteval',
    python: '/env/bin/python',
    versions: { lighteval: null, vllm: null, torch: null, transformers: null },
    simulated: false,
    gpu: null,
    failedSetupLines: [],
    ...overrides,
  });
  it('cannot choose for auto when Python cannot see LightEval, but trusts an explicit version then', () => {
    expect(() => decideLightevalVersion(probe({}), 'auto')).toThrow(/cannot say which LightEval release/);
    expect(decideLightevalVersion(probe({}), '0.11')).toBe('0.11.0');
  });
  it('refuses an installed release older than 0.8 and takes local builds by their release', () => {
    const versions = { lighteval: '0.7.0', vllm: null, torch: null, transformers: null };
    expect(() => decideLightevalVersion(probe({ versions }), 'auto')).toThrow(/not supported/);
    const dev = { ...versions, lighteval: '0.12.2+local' };
    expect(decideLightevalVersion(probe({ versions: dev }), undefined)).toBe('0.12.2');
  });
  it('parses only its own marked lines', () => {
    const parsed = parsePreflightOutput(
      'hello\nMODEL_EVAL_PREFLIGHT lighteval_path=/x/lighteval\nMODEL_EVAL_PREFLIGHT packages={"lighteval": "0.9.2", "torch": null}\nMODEL_EVAL_PREFLIGHT gpu=NVIDIA H100 80GB HBM3\n',
    );
    expect(parsed).toMatchObject({ lightevalPath: '/x/lighteval', gpu: 'NVIDIA H100 80GB HBM3' });
    expect(parsed.versions).toEqual({ lighteval: '0.9.2', vllm: null, torch: null, transformers: null });
  });
  it('the probe script is plain bash', () => {
    const check = spawnSync('bash', ['-n'], {
      input: preflightScript(['source "a b/activate"']),
      encoding: 'utf8',
    });
    expect(check.status).toBe(0);
  });
});

describe('jobPreflightLines (the same check inside the job)', () => {
  const runLines = (setup: string[], expected: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'job-preflight-'));
    const script = [...setup, ...jobPreflightLines(expected), 'echo evaluating'].join('\n');
    return { ...spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', env: {} }), cwd: dir };
  };
  it('stops before evaluating when lighteval is missing or another release is installed', () => {
    const missing = runLines(environment({}), '0.13.0');
    expect([missing.status, missing.stdout]).toEqual([3, '']);
    expect(missing.stderr).toContain('job-setup');
    const other = runLines(environment({ lighteval: 'script', dists: { lighteval: '0.12.0' } }), '0.13.0');
    expect(other.status).toBe(3);
    expect(other.stderr).toContain('planned for LightEval 0.13.0, but the node has LightEval 0.12.0');
    const same = runLines(
      environment({ lighteval: 'script', dists: { lighteval: '0.13.0', vllm: '0.10.1.1' } }),
      '0.13.0',
    );
    expect([same.status, same.stdout.trim()]).toEqual([0, 'evaluating']);
    // The job's own record of what ran, for the report.
    const record = parseJobVersionsRecord(
      readFileSync(join(same.cwd, 'model-eval-versions.json'), 'utf8'),
      '',
    );
    expect(record).toEqual({
      versions: { lighteval: '0.13.0', vllm: '0.10.1.1', torch: null, transformers: null },
      gpu: null,
    });
    expect(parseJobVersionsRecord('not json')).toBeNull();
  });
});
