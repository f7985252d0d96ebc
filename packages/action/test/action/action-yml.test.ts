import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { actionInputNames } from '../../src/config';

const actionYmlSchema = z.object({
  name: z.string().min(1),
  description: z.string().min(1),
  branding: z.object({ icon: z.string(), color: z.string() }),
  inputs: z.record(
    z.string(),
    z.object({ description: z.string().min(10), required: z.boolean(), default: z.string().optional() }),
  ),
  outputs: z.record(z.string(), z.object({ description: z.string().min(10), value: z.string() })),
  runs: z.object({
    using: z.literal('composite'),
    steps: z.array(
      z.object({
        id: z.string().optional(),
        uses: z.string().optional(),
        run: z.string().optional(),
        env: z.record(z.string(), z.string()).optional(),
      }),
    ),
  }),
});

const action = actionYmlSchema.parse(
  parse(readFileSync(new URL('../../../../action.yml', import.meta.url), 'utf8')),
);
const evaluateStep = action.runs.steps.find((step) => step.id === 'evaluate');

describe('action.yml', () => {
  it('runs the bundled entry with node', () => {
    expect(evaluateStep?.run).toBe('node "$GITHUB_ACTION_PATH/dist/action.js"');
  });

  it('passes every input to the entry as INPUT_* (composite actions do not do it themselves)', () => {
    for (const name of Object.keys(action.inputs)) {
      const envName = `INPUT_${name.toUpperCase().replaceAll('-', '_')}`;
      expect(evaluateStep?.env?.[envName], envName).toBe(`\${{ inputs.${name} }}`);
    }
    expect(Object.keys(evaluateStep?.env ?? {})).toHaveLength(Object.keys(action.inputs).length);
  });

  it('exposes each documented output from the evaluate step', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([
      'commit-sha',
      'job-ids',
      'plan',
      'report-path',
      'results',
      'results-dir',
      'revision',
      'run-id',
      'status',
    ]);
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.value).toBe(`\${{ steps.evaluate.outputs.${name} }}`);
    }
  });

  it('declares exactly the inputs the code reads, plus the ones only the composite uses', () => {
    const readByCode = [...actionInputNames, 'insecure-accept-any-host-key', 'simulate', 'run-id'];
    const onlyComposite = ['setup-node'];
    expect(Object.keys(action.inputs).sort()).toEqual([...readByCode, ...onlyComposite].sort());
  });

  it('pins every action it uses by full commit SHA', () => {
    for (const step of action.runs.steps.filter((s) => s.uses)) {
      expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
  });
});
