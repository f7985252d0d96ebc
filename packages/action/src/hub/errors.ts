/**
 * The Hub kept failing (429/5xx or no connection) through every retry. The caller still posts the
 * comment and the job summary and saves the results as a workflow artifact, then fails the step
 * with this message.
 */
export class HubUnavailableError extends Error {
  override name = 'HubUnavailableError';
  readonly hint: string;
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(
      `the Hugging Face Hub did not accept ${operation} after ${attempts} attempts: ${(lastError as Error)?.message ?? String(lastError)}`,
    );
    this.hint =
      'Nothing is lost: the results stay in the run directory on the cluster and in the workflow artifact. ' +
      'Re-run the upload later (model-eval collect) once https://status.huggingface.co is green.';
  }
}

/** The Hub refused the request for a reason retrying cannot fix (bad token, no write access, …). */
export class HubRequestError extends Error {
  override name = 'HubRequestError';
  readonly hint: string;
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    cause: unknown,
  ) {
    super(
      `the Hugging Face Hub refused ${operation}${status ? ` (HTTP ${status})` : ''}: ${(cause as Error)?.message ?? String(cause)}`,
    );
    this.hint =
      status === 401 || status === 403
        ? 'Check that hf-token is a write token with access to the results repo (or its organization).'
        : 'Check the results-repo input (ORG/NAME of a dataset repo).';
  }
}

export class MissingHubTokenError extends Error {
  override name = 'MissingHubTokenError';
  readonly hint =
    'Pass a Hugging Face write token as the hf-token input (a repository secret), or leave results-repo empty.';
  constructor(readonly repo: string) {
    super(`uploading results to ${repo} needs a Hugging Face token`);
  }
}

/** Other commits kept landing between our read of the summary and our commit, every attempt. */
export class HubCommitConflictError extends Error {
  override name = 'HubCommitConflictError';
  readonly hint =
    'Many uploads to the same results repo finished at once. Nothing is lost: re-run the upload ' +
    '(model-eval collect) in a minute; the results stay on the cluster and in the workflow artifact.';
  constructor(
    readonly repo: string,
    readonly attempts: number,
  ) {
    super(`${attempts} commits to ${repo} in a row were refused because another commit landed first`);
  }
}
