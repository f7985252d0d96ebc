import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The release workflow's scripts, run as the workflow runs them, on a local repository with a bare
 * "origin": which tags can be released, the notes taken from the changelog, the major tag moved.
 */
const ROOT = resolve(__dirname, '../..');
const SCRIPTS = join(ROOT, 'scripts/release');
let dir: string;
let work: string;
let origin: string;

function run(command: string, args: string[], cwd = work) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}
const git = (...args: string[]) => {
  const result = run('git', args);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.out}`);
  return result.out;
};
const script = (name: string, ...args: string[]) =>
  name.endsWith('.mjs')
    ? run(process.execPath, [join(SCRIPTS, name), ...args])
    : run('bash', [join(SCRIPTS, name), ...args]);

const CHANGELOG = `# Changelog

## [Unreleased]

## [1.1.0] - 2026-12-02

### Added

- Second thing.

## [1.0.0] - 2026-12-01

### Added

- First thing.

[Unreleased]: https://example.invalid/compare/v1.1.0...HEAD
[1.1.0]: https://example.invalid/compare/v1.0.0...v1.1.0
[1.0.0]: https://example.invalid/releases/tag/v1.0.0
`;

function commit(message: string) {
  writeFileSync(join(work, 'file.txt'), `${message}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}
const remoteTag = (tag: string) =>
  run('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], origin).out;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'release-'));
  origin = join(dir, 'origin.git');
  work = join(dir, 'work');
  run('git', ['init', '-q', '--bare', '-b', 'main', origin], dir);
  run('git', ['clone', '-q', origin, work], dir);
  git('checkout', '-q', '-b', 'main');
  writeFileSync(join(work, 'CHANGELOG.md'), CHANGELOG);
  commit('first');
  git('push', '-q', 'origin', 'main');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('release notes from the changelog', () => {
  it("prints the version's section, without the next section or the link references", () => {
    expect(script('release-notes.mjs', 'v1.1.0', 'CHANGELOG.md')).toEqual({
      status: 0,
      out: '### Added\n\n- Second thing.',
    });
    expect(script('release-notes.mjs', 'v1.0.0', 'CHANGELOG.md').out).toBe('### Added\n\n- First thing.');
  });

  it('a version without a section, or with an empty one, fails and says what to do', () => {
    const missing = script('release-notes.mjs', 'v9.9.9', 'CHANGELOG.md');
    expect(missing.status).toBe(1);
    expect(missing.out).toContain('Move the Unreleased entries under "## [9.9.9]');
    writeFileSync(join(work, 'CHANGELOG.md'), '## [2.0.0] - 2026-12-03\n\n## [1.0.0]\n\n- x\n');
    expect(script('release-notes.mjs', 'v2.0.0', 'CHANGELOG.md').status).toBe(1);
  });
});

describe('which tags can be released', () => {
  it('a version tag on main with a changelog section', () => {
    git('tag', 'v1.0.0');
    expect(script('check-release.sh', 'v1.0.0', 'origin/main')).toMatchObject({ status: 0 });
  });

  it('not a tag off main, not a non-version tag, not a version nobody wrote down', () => {
    git('checkout', '-q', '-b', 'topic');
    commit('unmerged');
    git('tag', 'v1.1.0');
    expect(script('check-release.sh', 'v1.1.0', 'origin/main').out).toContain('is not on origin/main');
    git('checkout', '-q', 'main');
    git('tag', 'latest');
    expect(script('check-release.sh', 'latest', 'origin/main').out).toContain('not a version tag');
    git('tag', 'v3.0.0');
    const undocumented = script('check-release.sh', 'v3.0.0', 'origin/main');
    expect(undocumented.status).toBe(1);
    expect(undocumented.out).toContain('no "## [3.0.0]" section');
  });
});

describe('moving the major tag', () => {
  it('v1 follows each v1 release on the remote; v2 starts with v2.0.0 and leaves v1 alone', () => {
    const first = git('rev-parse', 'HEAD');
    git('tag', 'v1.0.0');
    expect(script('move-major-tag.sh', 'v1.0.0', 'origin').out).toContain('v1 -> v1.0.0');
    expect(remoteTag('v1')).toBe(first);

    const second = commit('second');
    git('tag', 'v1.1.0');
    script('move-major-tag.sh', 'v1.1.0', 'origin');
    expect(remoteTag('v1')).toBe(second);

    const third = commit('third');
    git('tag', 'v2.0.0');
    script('move-major-tag.sh', 'v2.0.0', 'origin');
    expect(remoteTag('v2')).toBe(third);
    expect(remoteTag('v1')).toBe(second);
  });

  it('a pre-release or a backport older than the newest release of its major does not move it', () => {
    const first = git('rev-parse', 'HEAD');
    git('tag', 'v1.0.0');
    const second = commit('second');
    git('tag', 'v1.1.0');
    script('move-major-tag.sh', 'v1.1.0', 'origin');
    git('tag', 'v1.0.1', first);
    expect(script('move-major-tag.sh', 'v1.0.1', 'origin').out).toContain('v1 stays on v1.1.0');
    commit('fourth');
    git('tag', 'v1.2.0-rc.1');
    expect(script('move-major-tag.sh', 'v1.2.0-rc.1', 'origin').out).toContain('pre-release');
    expect(remoteTag('v1')).toBe(second);
  });
});

describe('the release workflow', () => {
  it('runs these scripts, on version tags, with contents: write only for its job', () => {
    const workflow = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
      on: { push: { tags: string[] } };
      permissions: Record<string, string>;
      jobs: { release: { permissions: Record<string, string>; steps: { run?: string }[] } };
    };
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.release.permissions).toEqual({ contents: 'write' });
    const runs = workflow.jobs.release.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('scripts/release/check-release.sh "$GITHUB_REF_NAME"');
    expect(runs).toContain('pnpm check-dist');
    expect(runs).toContain('scripts/release/release-notes.mjs "$GITHUB_REF_NAME"');
    expect(runs).toContain('gh release create "$GITHUB_REF_NAME"');
    expect(runs).toContain('scripts/release/move-major-tag.sh "$GITHUB_REF_NAME" origin');
  });
});

describe('what the Marketplace reads from action.yml', () => {
  it('a description under 125 characters, an author, and branding', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      description: string;
      author: string;
      branding: { icon: string; color: string };
    };
    expect(action.description.length).toBeLessThan(125);
    expect(action.author).not.toBe('model-eval-action');
    expect(action.author.length).toBeGreaterThan(0);
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
  });
});
