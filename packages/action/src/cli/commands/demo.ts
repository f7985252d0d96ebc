import type { CommandSpec } from '../command';
import { notYetAvailable } from './not-yet';

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Run the embedded default: a simulated evaluation of a bundled model, no cluster or network',

  options: {},
  run: (_args, io) => notYetAvailable('demo', io),
};
