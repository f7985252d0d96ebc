export { commands, runCli } from './cli/cli';
export type { CliIo } from './cli/command';
export { decodeSummary, type SummaryRecord } from './hub';
