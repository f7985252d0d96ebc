import { UnsafeBatchValueError } from './errors';

/**
 * POSIX single-quote quoting: inside '…' every byte is literal, so the only character to handle is the
 * single quote itself, which is closed, escaped and reopened ('\''). The result is one shell word that
 * expands to exactly `value` in any POSIX shell. NUL cannot be passed through a shell word at all (C
 * strings end there), so it is refused instead of silently truncated.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new UnsafeBatchValueError(
      'A value contains a NUL character, which no shell command or argument can carry.',
      'Remove the NUL byte from the value (it usually comes from reading a binary file as text).',
    );
  }
  // Words made only of these characters mean the same quoted or not (no `=`: a leading `NAME=` word
  // would be an assignment; no `%`: `%1` alone is job control), so leave them readable.
  if (value !== '' && /^[A-Za-z0-9_./:@+,-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes every word and joins them into one command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
