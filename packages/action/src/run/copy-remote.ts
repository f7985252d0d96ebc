import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import {
  applyLimits,
  type CollectLimits,
  DETAILS_LIMITS,
  listTreeSafely,
  type SkippedEntry,
  type Transport,
  UnsafeRemotePathError,
} from '@model-eval/slurm';

export interface CopiedTree {
  /** Local paths written. */
  copied: string[];
  /** Remote entries not copied, and why (symlink, foreign owner, unsafe name, over a limit). */
  skipped: SkippedEntry[];
}

/**
 * Copies the files under `remoteDir` into `localDir` (same relative paths), at most `maxDepth` levels
 * deep. A missing `remoteDir` copies nothing: LightEval writes details only with --save-details.
 *
 * The tree was written by the evaluated model's code, so it is untrusted: listed with
 * `listTreeSafely` (no link is followed, a symlinked `details` copies nothing), capped by `limits`,
 * and every local target is checked to stay under `localDir` whatever the remote name says.
 */
export async function copyRemoteTree(
  transport: Transport,
  remoteDir: string,
  localDir: string,
  // details/[openai/]<model name>/<timestamp>/<file>: 4 or 5 levels for a Hub id (org/name; the
  // endpoint route adds LiteLLM's provider), and a model directory's relative path adds its own
  // levels, so leave room; the number of entries stays capped by the limits.
  maxDepth = 10,
  limits: Partial<CollectLimits> = {},
): Promise<CopiedTree> {
  const caps = { ...DETAILS_LIMITS, ...limits };
  const listing = await listTreeSafely(transport, remoteDir, { maxDepth: maxDepth + 1 });
  const files = listing.entries.filter((e) => e.type === 'file');
  const { accepted, skipped: overLimit } = applyLimits(files, caps);
  const skipped = [...listing.skipped, ...overLimit];
  const copied: string[] = [];
  const root = resolve(localDir);
  for (const file of accepted) {
    const target = localTargetUnder(root, file.relativePath);
    if (target === undefined) {
      skipped.push({ path: file.path, reason: 'its name would write outside the local results directory' });
      continue;
    }
    let content: Buffer;
    try {
      content = await transport.readFile(file.path, { maxBytes: caps.maxFileBytes, refuseSymlink: true });
    } catch (error) {
      if (!(error instanceof UnsafeRemotePathError)) throw error;
      skipped.push({ path: file.path, reason: error.message });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    copied.push(target);
  }
  return { copied, skipped };
}

/** `root/relativePath` if that stays strictly under `root` (no `..`, no absolute or empty parts). */
export function localTargetUnder(root: string, relativePath: string): string | undefined {
  const parts = relativePath.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    return undefined;
  }
  const target = resolve(root, ...parts);
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return target;
}
