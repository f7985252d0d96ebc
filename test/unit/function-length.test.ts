import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/run-action';

/** Longest function body the code base allows: past it, a function does more than one thing. */
const MAX_FUNCTION_LINES = 80;

function longFunctions(): string[] {
  const files = execFileSync('git', ['ls-files', 'packages/*/src/*.ts', 'packages/*/src/**/*.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  const found: string[] = [];
  for (const file of new Set(files)) {
    const source = ts.createSourceFile(
      file,
      readFileSync(`${repoRoot}/${file}`, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        if (last - first + 1 > MAX_FUNCTION_LINES)
          found.push(`${file}:${first + 1} (${last - first + 1} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('the code base stays readable', () => {
  it(`has no function longer than ${MAX_FUNCTION_LINES} lines in packages/*/src`, () => {
    expect(longFunctions()).toEqual([]);
  });
});
