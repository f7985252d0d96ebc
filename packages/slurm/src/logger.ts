/** Where the package reports what it does; the action maps these onto @actions/core. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const stderrLogger: Logger = {
  debug() {},
  info(message) {
    process.stderr.write(`${message}\n`);
  },
  warn(message) {
    process.stderr.write(`warning: ${message}\n`);
  },
};

export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };
