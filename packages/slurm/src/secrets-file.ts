import { renderSecretsFile } from './batch-script';
import { type JobSpec, secretsPath } from './job-spec';
import type { Transport } from './transport';

/**
 * Writes the job's secrets file: removed first (an earlier attempt's copy), then created exclusively
 * (O_EXCL) with mode 0600, so a file or symlink planted at the name is never written through. Safe
 * only inside a directory nobody else can write: create `runDir` with `makeOwnedDirectory` first.
 */
export async function writeSecretsFile(
  transport: Transport,
  spec: Pick<JobSpec, 'runDir' | 'key' | 'secrets'>,
): Promise<void> {
  if (!spec.secrets || Object.keys(spec.secrets).length === 0) return;
  const path = secretsPath(spec);
  await transport.exec(['rm', '-f', '--', path]);
  await transport.writeFile(path, renderSecretsFile(spec.secrets), { mode: 0o600, exclusive: true });
}
