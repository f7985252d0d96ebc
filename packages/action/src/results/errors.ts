/** A results file that cannot be read as LightEval output: never turned into a silent zero. */
export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
  readonly hint: string;
  constructor(
    readonly file: string,
    why: string,
    hint = 'The file may be truncated (job killed while writing, disk full) or not LightEval output; re-run the benchmark or remove the file.',
  ) {
    super(`cannot read LightEval results file ${file}: ${why}`);
    this.hint = hint;
  }
}

export class NoResultsFoundError extends Error {
  override name = 'NoResultsFoundError';
  readonly hint: string;
  constructor(readonly directory: string) {
    super(`no LightEval results files (results/**/results_*.json) under ${directory}`);
    this.hint =
      'Point at the LightEval --output-dir (the folder that holds results/ and details/); check the job log if the run ended early.';
  }
}
