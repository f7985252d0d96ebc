export { commands, runCli } from './cli/cli';
export type { CliIo } from './cli/command';
