import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closestName } from '../config/did-you-mean';

/** Where a command writes. Injected so tests read what a user would see. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** One line for --help; the value's name (e.g. `N`) comes from `valueName`. */
  description: string;
  valueName?: string;
};

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments for the usage line, e.g. `<dir>`. */
  positionals?: { name: string; description: string; required: boolean }[];
  options: Record<string, OptionSpec>;
  /** Returns the process exit code. */
  run: (args: ParsedArgs, io: CliIo) => Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Bad command-line input: the CLI prints the message and the usage hint and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(spec.options)) {
    const { description: _d, valueName: _v, ...parseOption } = option;
    options[name] = parseOption;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(usageMessage((error as Error).message, Object.keys(options)));
  }
  const maxPositionals = spec.positionals?.length ?? 0;
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  const values = parsed.values as ParsedArgs['values'];
  if (values.help !== true) {
    const missing = (spec.positionals ?? []).find(
      (p, i) => p.required && parsed.positionals[i] === undefined,
    );
    if (missing) throw new UsageError(`missing argument ${missing.name}`);
  }
  return { values, positionals: parsed.positionals };
}

/**
 * node:util's parse errors, rewritten as one short sentence and, for a mistyped flag, the flag it
 * probably meant: "Unknown option '--modle'" becomes "unknown option --modle (did you mean --model?)".
 */
export function usageMessage(parseError: string, known: readonly string[]): string {
  const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(parseError);
  if (unknown) {
    const [, dashes, name] = unknown as unknown as [string, string, string];
    const guess = dashes === '--' ? closestName(name, known) : undefined;
    return `unknown option ${dashes}${name}${guess ? ` (did you mean --${guess}?)` : ''}`;
  }
  const missing = /^Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(parseError);
  if (missing) return `${missing[2]} needs a value`;
  const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(parseError);
  if (noValue) return `${noValue[1]} takes no value`;
  return parseError;
}

/** How a command prints its result: aligned text for a terminal, GitHub markdown, or JSON for tools. */
export type OutputFormat = 'text' | 'markdown' | 'json';

export const formatOption: Record<'format', OptionSpec> = {
  format: {
    type: 'string',
    valueName: 'text|markdown|json',
    description: 'Output: aligned text (default), GitHub markdown, or JSON',
  },
};

/** Reads `--format`; `--json` (kept for scripts written before `--format`) means `json`. */
export function formatFrom(args: ParsedArgs): OutputFormat {
  const raw = stringOption(args, 'format');
  if (raw !== undefined && args.values.json === true && raw !== 'json') {
    throw new UsageError(`--json and --format ${raw} contradict each other`);
  }
  if (raw === undefined) return args.values.json === true ? 'json' : 'text';
  if (raw === 'text' || raw === 'markdown' || raw === 'json') return raw;
  const guess = closestName(raw, ['text', 'markdown', 'json']);
  throw new UsageError(
    `--format must be text, markdown or json, got '${raw}'${guess ? ` (did you mean ${guess}?)` : ''}`,
  );
}

export function renderCommandHelp(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  const lines = [
    `Usage: model-eval ${spec.name}${positionals ? ` ${positionals}` : ''} [options]`,
    '',
    spec.summary,
    '',
  ];
  if (spec.positionals?.length) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(28)} ${p.description}`);
    lines.push('');
  }
  lines.push('Options:');
  const entries = Object.entries(spec.options).map(([name, option]) => {
    const flag = option.type === 'string' ? `--${name} <${option.valueName ?? 'value'}>` : `--${name}`;
    const short = option.short ? `-${option.short}, ` : '';
    return [`${short}${flag}`, option.description] as const;
  });
  entries.push(['-h, --help', 'Show this help']);
  for (const [flag, description] of entries) lines.push(`  ${flag.padEnd(28)} ${description}`);
  return `${lines.join('\n')}\n`;
}

/** Reads a string option that must be a positive integer; `undefined` when absent. */
export function integerOption(
  args: ParsedArgs,
  name: string,
  { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (
    typeof raw !== 'string' ||
    !/^-?\d+$/.test(raw) ||
    !Number.isSafeInteger(value) ||
    value < min ||
    value > max
  ) {
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `≥ ${min}`;
    throw new UsageError(`--${name} must be a whole number ${range}, got '${String(raw)}'`);
  }
  return value;
}

/** Reads a string option that must be a finite number within [min, max]. */
export function numberOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${String(raw)}'`);
  }
  return value;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`--${name} needs a non-empty value`);
  return raw;
}

/** Comma-separated list option: `a,b` → ['a','b']; empty entries are a usage error. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(`--${name} has an empty entry: '${raw}'`);
  return items;
}
