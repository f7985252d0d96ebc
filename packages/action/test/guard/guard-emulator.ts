import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll } from 'vitest';
import {
  EMULATOR_INSTALLATION_TOKEN,
  type GitHubEmulator,
  startGitHubEmulator,
} from '../../../../test/emulators/github';

/**
 * Registers the GitHub API emulator the guard tests ask, started before the describe block's tests
 * and closed after them. Nobody holds a permission until a test sets one (`defaultPermission: 'none'`);
 * the client authenticates as the app installation. Read both inside tests.
 */
export function useGuardEmulator(): { github: () => GitHubEmulator; octokit: () => Octokit } {
  let github: GitHubEmulator | undefined;
  let octokit: Octokit | undefined;
  beforeAll(async () => {
    github = await startGitHubEmulator({ defaultPermission: 'none' });
    octokit = new Octokit({ auth: EMULATOR_INSTALLATION_TOKEN, baseUrl: github.url });
  });
  afterAll(() => github?.close());
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the emulator is started in beforeAll; use it inside a test');
    return value;
  };
  return { github: () => started(github), octokit: () => started(octokit) };
}
