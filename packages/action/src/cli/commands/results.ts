import type { CommandSpec } from '../command';
import { notYetAvailable } from './not-yet';

export const resultsCommand: CommandSpec = {
  name: 'results',
  summary: 'Parse LightEval results files under a directory',
  positionals: [
    { name: '<dir>', description: 'Directory holding results/**/results_*.json', required: true },
  ],
  options: {
    json: { type: 'boolean', description: 'Print JSON rows instead of a table' },
  },
  run: (_args, io) => notYetAvailable('results', io),
};
