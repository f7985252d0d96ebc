/** Any problem with what the user configured (inputs, config file, dispatch payload): message + hint. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export interface ConfigIssue {
  line: number;
  column: number;
  /** Dotted path in the file, e.g. `cluster.gpus-per-node`; empty for the whole document. */
  path: string;
  message: string;
}

/** The config file is malformed; every issue carries its line and column, like a compiler error. */
export class ConfigFileError extends SettingsError {
  override name = 'ConfigFileError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      issues
        .map((i) => `${file}:${i.line}:${i.column}: ${i.path ? `${i.path} ` : ''}${i.message}`)
        .join('\n'),
      `Fix ${file} (see the line numbers above); the README's configuration section lists every key.`,
    );
  }
}
