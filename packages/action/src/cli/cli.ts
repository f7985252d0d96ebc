import { version } from '../../package.json';
import { closestName } from '../config/did-you-mean';
import { escapeTerminal } from '../report/escape';
import { type CliIo, type CommandSpec, parseCommandArgs, renderCommandHelp, UsageError } from './command';
import { cancelCommand } from './commands/cancel';
import { collectCommand } from './commands/collect';
import { demoCommand } from './commands/demo';
import { planCommand } from './commands/plan';
import { resultsCommand } from './commands/results';
import { runCommand } from './commands/run';
import { statusCommand } from './commands/status';

export const commands: readonly CommandSpec[] = [
  planCommand,
  runCommand,
  statusCommand,
  collectCommand,
  cancelCommand,
  resultsCommand,
  demoCommand,
];

export function renderMainHelp(): string {
  const lines = [
    'Usage: model-eval <command> [options]',
    '',
    'Size, run and report LightEval + vLLM evaluations of a model on a Slurm cluster.',
    '',
    'Options:',
    '  --version  Print the version of model-eval',
    '  --help     Show this help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    "Run 'model-eval <command> --help' for a command's options.",
  ];
  return `${lines.join('\n')}\n`;
}

/** An error a user can meet and fix: printed as message + hint, never as a stack trace. */
interface ErrorWithHint extends Error {
  hint: string;
}

function hasHint(error: unknown): error is ErrorWithHint {
  return error instanceof Error && typeof (error as Partial<ErrorWithHint>).hint === 'string';
}

/** The package version, printed by `--version` (bundled into dist/ from package.json). */
export const CLI_VERSION: string = version;

/**
 * Runs one CLI invocation and returns the exit code (docs/cli.md#exit-codes): 0 ok, 1 the work
 * failed, 2 bad input or a refused plan, 130 interrupted.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(renderMainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`model-eval ${CLI_VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const guess = name.startsWith('-')
      ? undefined
      : closestName(
          name,
          commands.map((c) => c.name),
        );
    io.stderr(
      guess
        ? `model-eval: unknown command '${name}' (did you mean '${guess}'?)\nRun 'model-eval --help' for the commands.\n`
        : `model-eval: unknown command '${name}'\n\n${renderMainHelp()}`,
    );
    return 2;
  }
  try {
    const args = parseCommandArgs(command, [...rest]);
    if (args.values.help === true) {
      io.stdout(renderCommandHelp(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `model-eval ${command.name}: ${error.message}\nRun 'model-eval ${command.name} --help' for usage.\n`,
      );
      return 2;
    }
    if (hasHint(error)) {
      // One line: what happened, then what to do (scripts read the first line of stderr).
      io.stderr(
        `model-eval ${command.name}: ${escapeTerminal(`${error.message.replace(/\.$/, '')}. ${error.hint}`)}\n`,
      );
      return 2;
    }
    const detail = io.env.MODEL_EVAL_DEBUG ? (error as Error).stack : (error as Error).message;
    io.stderr(`model-eval ${command.name}: ${escapeTerminal(detail ?? String(error))}\n`);
    return 1;
  }
}
