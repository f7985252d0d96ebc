import type { CommandSpec } from '../command';
import { notYetAvailable } from './not-yet';

export const collectCommand: CommandSpec = {
  name: 'collect',
  summary: 'Wait for a detached run, collect its results and report',

  options: {
    state: { type: 'string', description: 'Path of the run state file', valueName: 'path' },
  },
  run: (_args, io) => notYetAvailable('collect', io),
};
