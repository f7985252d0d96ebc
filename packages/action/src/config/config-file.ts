import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { closestName } from './did-you-mean';
import { ConfigFileError, type ConfigIssue } from './errors';
import { type ConfigFile, configFileSchema, knownKeysByPath, secretKeyNames } from './schema';

export const DEFAULT_CONFIG_PATH = '.github/model-eval.yml';

type PathSegment = string | number;

/**
 * Parses `.github/model-eval.yml`. Every problem (YAML syntax, wrong type, unknown key) is reported
 * with its line and column in one ConfigFileError, so a user fixes the file in one pass.
 * `file` is the name printed in messages (the path as configured).
 */
export function parseConfigFile(text: string, file: string = DEFAULT_CONFIG_PATH): ConfigFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((error) => ({
        ...position(error.pos[0]),
        path: '',
        // yaml's messages end with a code excerpt after the first line; the line number says enough.
        message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  }

  // An empty file (or only comments) means "no settings here", like a missing file.
  const value = doc.contents === null ? {} : doc.toJS();
  const parsed = configFileSchema.safeParse(value);
  if (parsed.success) return parsed.data;

  const nodeAt = (path: PathSegment[]): Node | undefined => {
    // Missing keys have no node: point at the closest enclosing one that exists.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (node && typeof node === 'object' && 'range' in node && node.range) return node as Node;
    }
    return undefined;
  };
  const offsetOf = (node: Node | undefined) => node?.range?.[0] ?? 0;

  const issues: ConfigIssue[] = [];
  for (const issue of flattenUnions(parsed.error.issues, [])) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const map = nodeAt(path);
      for (const key of issue.keys) {
        const pair = isMap(map) ? map.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
        const keyNode = pair && isScalar(pair.key) ? pair.key : map;
        issues.push({
          ...position(offsetOf(keyNode)),
          path: dotted([...path, key]),
          message: unknownKeyMessage(key, path),
        });
      }
      continue;
    }
    issues.push({ ...position(offsetOf(nodeAt(path))), path: dotted(path), message: issue.message });
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ConfigFileError(file, issues);
}

/**
 * A union (`benchmarks` entries: a name or a custom task) that fails reports "no branch matched".
 * When exactly one branch had the right type and failed inside (a misspelt key of a custom task),
 * that branch's own issues say much more, so report those instead.
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): z.core.$ZodIssue[] {
  const flat: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const typeMatched = issue.errors.filter(
        (branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      const [only] = typeMatched;
      const failedInside = only?.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys');
      if (typeMatched.length === 1 && only && failedInside) {
        flat.push(...flattenUnions(only, path));
        continue;
      }
    }
    flat.push({ ...issue, path });
  }
  return flat;
}

function dotted(path: PathSegment[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
}

function unknownKeyMessage(key: string, parentPath: PathSegment[]): string {
  // Own keys only: `constructor`, `__proto__`, `toString` are on every object's prototype.
  const secretInput = Object.hasOwn(secretKeyNames, key) ? secretKeyNames[key] : undefined;
  if (secretInput) {
    return `is a secret and must not be in the config file (it is committed): pass it as the '${secretInput}' input from a repository secret`;
  }
  const pattern = parentPath.map((p) => (typeof p === 'number' ? '*' : p)).join('.');
  const known = (Object.hasOwn(knownKeysByPath, pattern) ? knownKeysByPath[pattern] : undefined) ?? [];
  const suggestion = closestName(key, known);
  return suggestion
    ? `is not a known key (did you mean '${suggestion}'?)`
    : `is not a known key (known here: ${known.join(', ')})`;
}

/** Schema issues as plain text, for callers that parse a config value not read from a file. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}
