import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Parsed from the GITHUB_OUTPUT file the way the runner parses it (name=value and heredoc forms). */
  outputs: Record<string, string>;
  summary: string;
}

export interface ActionProcessOptions {
  /** Action inputs by their action.yml names; passed as INPUT_* exactly like the composite step does. */
  inputs: Record<string, string>;
  eventName: string;
  event: unknown;
  env?: Record<string, string>;
  /** Called once the process has started, e.g. to send it SIGINT later. */
  onStart?: (child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
}

/** Runs dist/action.js as the GitHub runner runs it: a fresh process with the runner's files and env. */
export async function runBundledAction(options: ActionProcessOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'model-eval-action-'));
  const eventPath = join(dir, 'event.json');
  const outputPath = join(dir, 'github_output');
  const summaryPath = join(dir, 'step_summary.md');
  writeFileSync(eventPath, JSON.stringify(options.event));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const inputEnv = Object.fromEntries(
    Object.entries(options.inputs).map(([name, value]) => [
      `INPUT_${name.toUpperCase().replaceAll('-', '_')}`,
      value,
    ]),
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    GITHUB_REPOSITORY: 'acme/reasoner',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    ...inputEnv,
    ...options.env,
  };
  const child = spawn(process.execPath, [join(repoRoot, 'dist/action.js')], { env, cwd: dir });
  options.onStart?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 170_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timeout);
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    outputs: parseGitHubOutputFile(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
  };
}

/** The runner's GITHUB_OUTPUT format: `name=value` lines or `name<<DELIM` … `DELIM` blocks. */
export function parseGitHubOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outputs;
}
