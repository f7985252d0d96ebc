import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'scripts/lint-workflows.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lint(root: string) {
  const run = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A copy of this repository's Actions files, to break one at a time. */
function copyOfOurs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lint-workflows-'));
  dirs.push(dir);
  for (const path of ['action.yml', '.github', 'examples/workflows']) {
    cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  }
  return dir;
}

// Each case starts node and loads two WebAssembly linters (~3 s, more on a busy machine): a test
// timeout, not an assertion about speed.
describe('the workflow lint step', { timeout: 60_000 }, () => {
  it("passes on this repository's action.yml and workflows", () => {
    const result = lint(ROOT);
    expect(result.output).toContain('checks passed');
    expect(result.status).toBe(0);
  });

  it('fails on a workflow with an undefined expression context (actionlint)', () => {
    const dir = copyOfOurs();
    const ci = join(dir, '.github/workflows/ci.yml');
    writeFileSync(
      ci,
      readFileSync(ci, 'utf8').replace(
        'pnpm lint:workflows',
        // A GitHub expression, not a JavaScript template.
        ['echo ', '$', '{{ nosuch.thing }}'].join(''),
      ),
    );
    const result = lint(dir);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/\.github\/workflows\/ci\.yml:\d+:\d+: undefined variable "nosuch"/);
  });

  it('fails on a step with both run and uses, and on a key a workflow may not have (schema)', () => {
    const dir = copyOfOurs();
    writeFileSync(
      join(dir, '.github/workflows/broken.yml'),
      [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    timeout: 5',
        '    steps:',
        '      - run: echo hi',
        '        uses: actions/checkout@v4',
        '',
      ].join('\n'),
    );
    const result = lint(dir);
    expect(result.status).toBe(1);
    expect(result.output).toContain('.github/workflows/broken.yml');
    expect(result.output).toMatch(/schema: .*Additional property 'timeout' is not allowed/);
  });

  it('knows the slurm label only through .github/actionlint.yaml', () => {
    const dir = copyOfOurs();
    rmSync(join(dir, '.github/actionlint.yaml'));
    const result = lint(dir);
    expect(result.status).toBe(1);
    expect(result.output).toContain('label "slurm" is unknown');
  });

  it('checks action.yml against the action schema', () => {
    const dir = copyOfOurs();
    const action = join(dir, 'action.yml');
    writeFileSync(action, readFileSync(action, 'utf8').replace('using: composite', 'using: node12-ish'));
    const result = lint(dir);
    expect(result.status).toBe(1);
    expect(result.output).toContain('action.yml: schema:');
  });
});
