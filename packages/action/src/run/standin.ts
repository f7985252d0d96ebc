import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinRemotePath, type Transport } from '@model-eval/slurm';

const STANDIN = join('test', 'fixtures', 'lighteval', 'lighteval');

/**
 * The LightEval stand-in ships in the repository (actions are used from a git checkout). Found by
 * walking up from this module, which works from the sources and from the bundle in dist/.
 */
export function findStandinScript(from: string = fileURLToPath(import.meta.url)): string | undefined {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, STANDIN);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The repository's root (where the stand-in and the bundled model fixtures live), if this runs from one. */
export function findRepositoryRoot(): string | undefined {
  const standin = findStandinScript();
  return standin ? join(dirname(standin), '..', '..', '..') : undefined;
}

/**
 * Uploads the stand-in into the run's `bin/` and returns that directory (put first on the jobs'
 * PATH). Replaced atomically (write, then rename): a reattaching run rewrites it while this run's
 * jobs may be starting, and a job must never execute a half-written file.
 */
export async function installStandin(
  transport: Transport,
  runDir: string,
  standinScript: string,
): Promise<string> {
  const binDir = joinRemotePath(runDir, 'bin');
  await transport.makeDirectory(binDir);
  const standin = joinRemotePath(binDir, 'lighteval');
  // Unique per upload: two runners in one process (or two hosts with one pid) must not share it.
  const upload = `${standin}.upload-${randomBytes(6).toString('hex')}`;
  await transport.writeFile(upload, await readFile(standinScript), { mode: 0o755 });
  const moved = await transport.exec(['mv', '-f', '--', upload, standin]);
  if (moved.exitCode !== 0)
    throw new Error(`could not install the LightEval stand-in: ${moved.stderr.trim()}`);
  return binDir;
}
