import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote, UnsafeBatchValueError } from '../src/index';
import { createRandom, generateHostileString } from './generated-strings';

/** Runs `script` with the real bash and returns the NUL-separated words it printed. */
function bashWords(script: string): Buffer[] {
  const result = spawnSync('bash', ['-c', script], { maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`bash failed: ${result.stderr.toString()}`);
  const words: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < result.stdout.length; i += 1) {
    if (result.stdout[i] === 0) {
      words.push(result.stdout.subarray(start, i));
      start = i + 1;
    }
  }
  return words;
}

describe('shellQuote', () => {
  it('gives back thousands of generated hostile strings byte-identical through bash -c', () => {
    const random = createRandom(20_260_127);
    const inputs = [
      '',
      "'",
      "''",
      '\n',
      '$(touch /tmp/pwned)',
      '`id`',
      ';rm -rf x',
      ...Array.from({ length: 4000 }, () => generateHostileString(random)),
    ];
    for (let start = 0; start < inputs.length; start += 250) {
      const batch = inputs.slice(start, start + 250);
      const words = bashWords(`printf '%s\\0' ${batch.map(shellQuote).join(' ')}`);
      expect(words.length).toBe(batch.length);
      batch.forEach((input, i) => {
        expect(words[i]?.equals(Buffer.from(input, 'utf8')), JSON.stringify(input)).toBe(true);
      });
    }
  });

  it('keeps values literal in assignments and as the command word', () => {
    const random = createRandom(7);
    const values = Array.from({ length: 500 }, () => generateHostileString(random));
    const script = values
      .map((value) => `x=${shellQuote(value)}; printf '%s\\0' "$x"; ${shellJoin(['printf', '%s\\0', value])}`)
      .join('\n');
    const words = bashWords(script);
    expect(words.length).toBe(values.length * 2);
    values.forEach((value, i) => {
      expect(words[2 * i]?.toString('utf8'), JSON.stringify(value)).toBe(value);
      expect(words[2 * i + 1]?.toString('utf8'), JSON.stringify(value)).toBe(value);
    });
  });

  it('refuses NUL, which no shell word can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(UnsafeBatchValueError);
  });

  it('quotes words that would otherwise be assignments or job control', () => {
    expect(shellQuote('FOO=bar')).toBe("'FOO=bar'");
    expect(shellQuote('%1')).toBe("'%1'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('plain-word_1.2/x')).toBe('plain-word_1.2/x');
  });
});
