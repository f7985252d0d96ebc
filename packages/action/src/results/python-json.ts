import { randomUUID } from 'node:crypto';

/**
 * LightEval writes its results with Python's `json.dumps`, which emits the bare tokens `NaN`,
 * `Infinity` and `-Infinity` for non-finite floats (a metric that could not be computed). Those are
 * not JSON, so `JSON.parse` rejects the whole file. This parser accepts exactly those three extra
 * tokens outside strings and nothing else; a truncated or otherwise malformed file still fails.
 */
export function parsePythonJson(text: string): unknown {
  // Each token becomes a string no file can contain (a fresh random nonce), turned back into a number by the reviver.
  const nonce = randomUUID();
  const tokens: readonly [string, number][] = [
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
  ];
  const sentinels = new Map(tokens.map(([bare, value]) => [`${nonce}${bare}`, value]));
  let out = '';
  let inString = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (inString) {
      if (ch === '\\') {
        out += text.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (ch === '"') inString = false;
      out += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      i += 1;
      continue;
    }
    const token = tokens.find(([bare]) => text.startsWith(bare, i));
    if (token) {
      out += `"${nonce}${token[0]}"`;
      i += token[0].length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && sentinels.has(value) ? sentinels.get(value) : value,
  );
}
