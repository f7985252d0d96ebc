import type { CommandSpec } from '../command';
import { notYetAvailable } from './not-yet';

export const cancelCommand: CommandSpec = {
  name: 'cancel',
  summary: 'Cancel every job of a run',

  options: {
    state: { type: 'string', description: 'Path of the run state file', valueName: 'path' },
  },
  run: (_args, io) => notYetAvailable('cancel', io),
};
