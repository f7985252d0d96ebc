/**
 * Errors a user can meet. Each says what happened (`message`) and what to do about it (`hint`), so the
 * action can print both as an annotation and the CLI can exit with a usage-style message.
 */
export class SlurmPackageError extends Error {
  readonly hint: string;

  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** A value cannot be put into a batch script safely (e.g. a newline inside an `#SBATCH` directive). */
export class UnsafeBatchValueError extends SlurmPackageError {}

/** The server's host key is not the pinned one. Never retried: it may be an attack. */
export class HostKeyMismatchError extends SlurmPackageError {
  readonly expectedFingerprint: string;
  readonly actualFingerprint: string;

  constructor(host: string, expectedFingerprint: string, actualFingerprint: string) {
    super(
      `The SSH host key of ${host} does not match the pinned key: expected ${expectedFingerprint}, the server presented ${actualFingerprint}.`,
      'If the cluster really changed its host key, update the pinned known_hosts line (ssh-keyscan, then compare the fingerprint with your admin). Otherwise someone may be intercepting the connection: do not continue.',
    );
    this.expectedFingerprint = expectedFingerprint;
    this.actualFingerprint = actualFingerprint;
  }
}

/** The server presented a key the known_hosts file marks `@revoked`. Never retried. */
export class HostKeyRevokedError extends SlurmPackageError {
  constructor(
    host: string,
    readonly fingerprint: string,
  ) {
    super(
      `The SSH host key of ${host} (${fingerprint}) is marked @revoked in the known_hosts file; refusing to connect.`,
      'A revoked key was withdrawn by the cluster admins (compromised or retired): ask them for the current host key and pin that one. Do not remove the @revoked line to get through.',
    );
  }
}

/** The known_hosts line given to pin the host key cannot be used. */
export class KnownHostsLineError extends SlurmPackageError {}

/** The SSH connection could not be opened (network, authentication, timeout). */
export class SshConnectError extends SlurmPackageError {
  /** True when trying again cannot help (authentication refused). */
  permanent = false;
}

/** A remote command could not run at all, or ran and failed where failure is not an answer. */
export class RemoteCommandError extends SlurmPackageError {
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    message: string,
    hint: string,
    exitCode: number | null,
    stderr: string,
    options?: { cause?: unknown },
  ) {
    super(message, hint, options);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** `sbatch` refused the job or answered something we cannot read as a job id. */
export class SubmitError extends SlurmPackageError {}

/** Output of a Slurm command did not have the shape we asked for. */
export class SlurmOutputError extends SlurmPackageError {}

/**
 * A remote path is not what it must be for us to trust it: a directory someone else created or can
 * write, a symlink where a file was expected, a file too large to read. Never retried: it may be an
 * attack by a co-user or by the job's own code.
 */
export class UnsafeRemotePathError extends SlurmPackageError {
  readonly path: string;
  readonly reason: UnsafeRemotePathReason;

  constructor(path: string, reason: UnsafeRemotePathReason, message: string, hint: string) {
    super(message, hint);
    this.path = path;
    this.reason = reason;
  }
}

export type UnsafeRemotePathReason =
  | 'exists'
  | 'not-owned'
  | 'loose-mode'
  | 'writable-parent'
  | 'not-a-directory'
  | 'symlink'
  | 'not-regular'
  | 'too-large';
