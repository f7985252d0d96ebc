import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transport } from '@model-eval/slurm';

/**
 * Copies the files under `remoteDir` into `localDir` (same relative paths), at most `maxDepth` levels
 * deep. A missing `remoteDir` copies nothing: LightEval writes details only with --save-details.
 */
export async function copyRemoteTree(
  transport: Transport,
  remoteDir: string,
  localDir: string,
  maxDepth = 4,
): Promise<string[]> {
  let entries: Awaited<ReturnType<Transport['listDirectory']>>;
  try {
    entries = await transport.listDirectory(remoteDir);
  } catch {
    return [];
  }
  const copied: string[] = [];
  for (const entry of entries) {
    const target = join(localDir, entry.name);
    if (entry.type === 'directory' && maxDepth > 0) {
      copied.push(...(await copyRemoteTree(transport, entry.path, target, maxDepth - 1)));
    } else if (entry.type === 'file') {
      await mkdir(localDir, { recursive: true });
      await writeFile(target, await transport.readFile(entry.path));
      copied.push(target);
    }
  }
  return copied;
}
