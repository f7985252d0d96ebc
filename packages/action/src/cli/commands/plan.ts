import type { CommandSpec } from '../command';
import { notYetAvailable } from './not-yet';

export const planCommand: CommandSpec = {
  name: 'plan',
  summary: 'Size the GPUs and vLLM parallelism for a model (no cluster contact)',

  options: {
    model: { type: 'string', description: 'Hub model id or local directory', valueName: 'id|dir' },
  },
  run: (_args, io) => notYetAvailable('plan', io),
};
