import { RemoteCommandError } from './errors';
import { timeoutError } from './local-transport';
import { shellJoin } from './shell-quote';
import type { LiveConnection } from './ssh-connection';
import type { CommandResult, ExecOptions } from './transport';

/**
 * Runs one command on an exec channel of `live`. The words are quoted for the remote login shell
 * (`shellJoin`); a non-zero exit is an answer; a channel that closes without an exit status went
 * down with the connection and rejects.
 */
export function execOnChannel(
  live: LiveConnection,
  host: string,
  argv: readonly string[],
  execOptions: ExecOptions,
): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve, reject) => {
    live.client.exec(shellJoin(argv), (error, stream) => {
      if (error) {
        reject(lostConnection(host, argv, error));
        return;
      }
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let exit: { code: number | null } | undefined;
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        execOptions.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const kill = () => {
        try {
          stream.signal('KILL');
        } catch {
          // Not every server honours signal requests; closing the channel still ends the session.
        }
        stream.close();
      };
      const timer =
        execOptions.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              kill();
              finish(() => reject(timeoutError(argv, execOptions.timeoutMs ?? 0, host)));
            }, execOptions.timeoutMs);
      const onAbort = () => {
        kill();
        finish(() => reject(execOptions.signal?.reason ?? new Error('aborted')));
      };
      if (execOptions.signal?.aborted) {
        onAbort();
        return;
      }
      execOptions.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (code: number | null) => {
        exit = { code: typeof code === 'number' ? code : null };
      });
      stream.on('close', () =>
        finish(() => {
          // A channel that closes without an exit status went down with the connection.
          if (!exit && live.closed) {
            reject(lostConnection(host, argv));
            return;
          }
          resolve({
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
            exitCode: exit?.code ?? null,
          });
        }),
      );
      stream.end(execOptions.stdin ?? '');
    });
  });
}

export function lostConnection(host: string, argv: readonly string[], cause?: Error): RemoteCommandError {
  return new RemoteCommandError(
    `The SSH connection to ${host} was lost while running ${argv[0] ?? 'a command'}${cause ? `: ${cause.message}` : ''}.`,
    'The connection is reopened on the next command; repeat the command if it is safe to do so.',
    null,
    '',
    { cause },
  );
}
