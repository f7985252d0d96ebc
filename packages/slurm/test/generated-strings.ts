/**
 * Deterministic generator of hostile strings for the quoting property tests: shell metacharacters,
 * quotes, command substitutions, newlines, control characters and Unicode (including astral and RTL
 * characters), mixed at random. Seeded so a failure can be replayed.
 */
export function createRandom(seed: number): () => number {
  // mulberry32
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  "'",
  '"',
  '\\',
  '$',
  '$(id)',
  '`id`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion to smuggle through quoting
  '${HOME}',
  '$((1+1))',
  ';',
  '&&',
  '||',
  '|',
  '&',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '*',
  '?',
  '[a]',
  '~',
  '!',
  '#',
  '{a,b}',
  '<',
  '>',
  '%1',
  '=',
  '-',
  '--',
  "'\\''",
  '\x01',
  '\x1b[31m',
  '\x7f',
  'é',
  '日本語',
  '🙂',
  '\u202e',
  '\u00a0',
  'a',
  'Z',
  '0',
];

export function generateHostileString(random: () => number): string {
  const parts: string[] = [];
  const length = Math.floor(random() * 12);
  for (let i = 0; i < length; i += 1) {
    const roll = random();
    if (roll < 0.7) {
      parts.push(FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] ?? '');
    } else {
      // Any Unicode scalar value except NUL and surrogates (which UTF-8 cannot carry).
      let codePoint = 1 + Math.floor(random() * 0x10fffe);
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0xfffd;
      parts.push(String.fromCodePoint(codePoint));
    }
  }
  return parts.join('');
}
