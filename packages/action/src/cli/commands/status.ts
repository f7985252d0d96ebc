import type { CommandSpec } from '../command';
import { notYetAvailable } from './not-yet';

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'Show the state of a detached run',

  options: {
    state: { type: 'string', description: 'Path of the run state file', valueName: 'path' },
  },
  run: (_args, io) => notYetAvailable('status', io),
};
