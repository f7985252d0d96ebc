import type { CommandSpec } from '../command';
import { notYetAvailable } from './not-yet';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Plan, submit and watch an evaluation, then report its results',

  options: {
    model: { type: 'string', description: 'Hub model id or local directory', valueName: 'id|dir' },
  },
  run: (_args, io) => notYetAvailable('run', io),
};
