import { type ParseArgsConfig, parseArgs } from 'node:util';

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
    // node:util's messages name the flag ("Unknown option '--x'", "Option '--y <value>' argument missing").
    throw new UsageError((error as Error).message);
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
  { min = 1 }: { min?: number } = {},
): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${name} must be a whole number ≥ ${min}, got '${String(raw)}'`);
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
