import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { Octokit } from '@octokit/rest';
import { githubFetch } from './github-fetch';

/**
 * What the action touches of the runner, injected so tests drive it without module mocking. `main.ts`
 * passes the real one; everything else receives it.
 */
export interface ActionEnvironment {
  env: NodeJS.ProcessEnv;
  core: Pick<
    typeof core,
    | 'setSecret'
    | 'info'
    | 'warning'
    | 'error'
    | 'notice'
    | 'setOutput'
    | 'setFailed'
    | 'startGroup'
    | 'endGroup'
  > & { writeSummary: (markdown: string) => Promise<void> };
  octokit: (token: string) => Octokit;
  readFile: (path: string) => string | undefined;
  /** SIGINT/SIGTERM from the runner (cancel): the run's jobs are cancelled within the grace period. */
  onCancelSignal: (handler: (signal: string) => void) => () => void;
}

/**
 * Inputs as this composite action passes them: `INPUT_SSH_PRIVATE_KEY` (the step's env), and as
 * @actions/core names them for JavaScript actions: `INPUT_SSH-PRIVATE-KEY`. Trimmed like core.getInput.
 */
export function readInput(env: NodeJS.ProcessEnv, name: string): string {
  const upper = name.toUpperCase().replace(/ /g, '_');
  const value = env[`INPUT_${upper.replace(/-/g, '_')}`] ?? env[`INPUT_${upper}`] ?? '';
  return value.trim();
}

export function runnerEnvironment(): ActionEnvironment {
  return {
    env: process.env,
    core: {
      setSecret: core.setSecret,
      info: core.info,
      warning: core.warning,
      error: core.error,
      notice: core.notice,
      setOutput: core.setOutput,
      setFailed: core.setFailed,
      startGroup: core.startGroup,
      endGroup: core.endGroup,
      writeSummary: async (markdown) => {
        await core.summary.addRaw(markdown, true).write();
      },
    },
    octokit: (token) =>
      new Octokit({
        auth: token,
        baseUrl: process.env.GITHUB_API_URL || 'https://api.github.com',
        request: { fetch: githubFetch(globalThis.fetch) },
      }),
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    onCancelSignal: (handler) => {
      const onInt = () => handler('SIGINT');
      const onTerm = () => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.removeListener('SIGINT', onInt);
        process.removeListener('SIGTERM', onTerm);
      };
    },
  };
}
