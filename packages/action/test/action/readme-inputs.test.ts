import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

// The README's Inputs and Outputs tables are written by hand from action.yml; this keeps them complete
// and their defaults true when action.yml changes.

const root = new URL('../../../../', import.meta.url);
const action = z
  .object({
    inputs: z.record(z.string(), z.object({ default: z.string().optional() })),
    outputs: z.record(z.string(), z.unknown()),
  })
  .parse(parse(readFileSync(new URL('action.yml', root), 'utf8')));
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** The table rows of one `## Title` section: first cell (without backticks) → the other cells. */
function tableOf(title: string): Map<string, string[]> {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`README has no '## ${title}' section`);
  const end = readme.indexOf('\n## ', start + 1);
  const rows = new Map<string, string[]>();
  for (const line of readme.slice(start, end === -1 ? undefined : end).split('\n')) {
    const cells = line
      .match(/^\|(.*)\|$/)?.[1]
      ?.split(/(?<!\\)\|/)
      .map((c) => c.trim());
    const name = cells?.[0]?.match(/^`([^`]+)`$/)?.[1];
    if (cells && name) rows.set(name, cells.slice(1));
  }
  return rows;
}

describe('README tables against action.yml', () => {
  const inputs = tableOf('Inputs');
  const outputs = tableOf('Outputs');

  it('lists every input of action.yml, and nothing else', () => {
    expect([...inputs.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('lists every output of action.yml, and nothing else', () => {
    expect([...outputs.keys()].sort()).toEqual(Object.keys(action.outputs).sort());
  });

  it("shows action.yml's default where it declares one", () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      if (input.default === undefined) continue;
      expect(inputs.get(name)?.[0], name).toContain(`\`${input.default}\``);
    }
  });
});
