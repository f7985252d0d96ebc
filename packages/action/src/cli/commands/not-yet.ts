import type { CliIo } from '../command';

/** Commands whose pipeline has not landed yet say so plainly instead of pretending to work. */
export function notYetAvailable(name: string, io: CliIo): Promise<number> {
  io.stderr(`model-eval ${name}: not available in this build yet (see the open issues).\n`);
  return Promise.resolve(1);
}
