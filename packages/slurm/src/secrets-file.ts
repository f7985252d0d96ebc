import { renderSecretsFile } from './batch-script';
import { type JobSpec, secretsPath } from './job-spec';
import { makeOwnedDirectory } from './owned-directory';
import type { Transport } from './transport';

/**
 * Writes the job's secrets file: removed first (an earlier attempt's copy), then created exclusively
 * (O_EXCL) with mode 0600, so a file or symlink planted at the name is never written through. That
 * is only safe inside a directory nobody else can write, so `runDir` is checked first (the account's,
 * a real directory, mode 0700, no writable parent): a run directory made with plain `mkdir -p`
 * (mode 0755, or a co-user's) is refused with `UnsafeRemotePathError` rather than trusted.
 */
export async function writeSecretsFile(
  transport: Transport,
  spec: Pick<JobSpec, 'runDir' | 'key' | 'secrets'>,
): Promise<void> {
  if (!spec.secrets || Object.keys(spec.secrets).length === 0) return;
  await makeOwnedDirectory(transport, spec.runDir, { reuse: true });
  const path = secretsPath(spec);
  await transport.exec(['rm', '-f', '--', path]);
  await transport.writeFile(path, renderSecretsFile(spec.secrets), { mode: 0o600, exclusive: true });
}
