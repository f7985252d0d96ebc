import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
