import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

// examples/workflows/*.yml are what users copy into .github/workflows on a self-hosted runner that holds
// cluster credentials. Each must call this action only with inputs it declares, keep the token narrow,
// and never check out or interpolate pull-request code.

const root = new URL('../../../../', import.meta.url);
const workflowsDir = new URL('examples/workflows/', root);

const actionYml = z
  .object({ inputs: z.record(z.string(), z.unknown()) })
  .parse(parse(readFileSync(new URL('action.yml', root), 'utf8')));
const declaredInputs = new Set(Object.keys(actionYml.inputs));

const stepSchema = z.object({
  uses: z.string().optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  env: z.record(z.string(), z.string()).optional(),
  if: z.string().optional(),
});
const jobSchema = z.object({
  'runs-on': z.union([z.string(), z.array(z.string())]),
  permissions: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
  steps: z.array(stepSchema).min(1),
});
const workflowSchema = z.object({
  name: z.string().min(1),
  on: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.enum(['read', 'write', 'none'])),
  concurrency: z.object({ group: z.string().min(1), 'cancel-in-progress': z.boolean() }),
  jobs: z.record(z.string(), jobSchema),
});
type Workflow = z.infer<typeof workflowSchema>;

const files = readdirSync(workflowsDir)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const workflows: [string, Workflow][] = files.map((file) => [
  file,
  workflowSchema.parse(parse(readFileSync(new URL(file, workflowsDir), 'utf8'))),
]);

const isThisAction = (uses: string | undefined) => uses !== undefined && /\/model-eval-action@/.test(uses);
const steps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const actionSteps = (workflow: Workflow) => steps(workflow).filter((step) => isThisAction(step.uses));
const prEvents = ['pull_request', 'pull_request_target'];

describe('examples/workflows', () => {
  it('has one workflow for each trigger: tag push, PR label, workflow_dispatch, checkpoint dispatch, collector', () => {
    const on = (w: Workflow) => w.on;
    const all = workflows.map(([, w]) => w);
    expect(all.some((w) => (on(w).push as { tags?: unknown } | undefined)?.tags)).toBe(true);
    expect(
      all.some((w) => (on(w).pull_request_target as { types?: string[] })?.types?.includes('labeled')),
    ).toBe(true);
    expect(
      all.some((w) =>
        (on(w).repository_dispatch as { types?: string[] })?.types?.includes('evaluate-checkpoint'),
      ),
    ).toBe(true);
    expect(
      all.some((w) => 'workflow_dispatch' in on(w) && actionSteps(w).every((s) => !s.with?.['run-id'])),
    ).toBe(true);
    expect(all.some((w) => actionSteps(w).some((s) => s.with?.['run-id'] !== undefined))).toBe(true);
  });

  describe.each(workflows)('%s', (_file, workflow) => {
    it('uses this action at least once, with only inputs that action.yml declares', () => {
      const calls = actionSteps(workflow);
      expect(calls.length).toBeGreaterThan(0);
      for (const step of calls) {
        expect(step.uses).toBe('OWNER/model-eval-action@v1');
        const undeclared = Object.keys(step.with ?? {}).filter((name) => !declaredInputs.has(name));
        expect(undeclared).toEqual([]);
      }
    });

    it('passes secret inputs only from repository secrets', () => {
      for (const step of actionSteps(workflow)) {
        for (const name of ['ssh-private-key', 'ssh-known-hosts', 'hf-token', 'github-token']) {
          const value = step.with?.[name];
          if (value !== undefined) expect(String(value)).toMatch(/^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/);
        }
      }
    });

    it('runs on the self-hosted Slurm runner', () => {
      for (const job of Object.values(workflow.jobs)) {
        expect(job['runs-on']).toEqual(['self-hosted', 'slurm']);
      }
    });

    it('sets explicit, minimal permissions: read contents, write only what a PR comment needs', () => {
      expect(workflow.permissions.contents).toBe('read');
      const writes = Object.entries(workflow.permissions)
        .filter(([, level]) => level === 'write')
        .map(([scope]) => scope);
      const onPullRequests = prEvents.some((event) => event in workflow.on);
      if (onPullRequests) expect(writes.every((s) => s === 'pull-requests' || s === 'issues')).toBe(true);
      else expect(writes).toEqual([]);
      for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined();
    });

    it('never cancels a run in progress (cancelling the job cancels its Slurm jobs)', () => {
      expect(workflow.concurrency['cancel-in-progress']).toBe(false);
    });

    it('never checks out pull-request code', () => {
      for (const step of steps(workflow)) {
        if (!step.uses?.startsWith('actions/checkout@')) continue;
        const ref = String(step.with?.ref ?? '');
        const repository = String(step.with?.repository ?? '');
        expect(ref).not.toMatch(/pull_request\.head|github\.head_ref|refs\/pull\//);
        expect(repository).not.toMatch(/pull_request\.head/);
        expect(step.with?.['persist-credentials']).toBe(false);
      }
    });

    it('interpolates no event field into a shell script (env: only)', () => {
      for (const step of steps(workflow)) {
        if (step.run !== undefined) expect(step.run).not.toMatch(/\$\{\{/);
      }
    });

    it('pins every other action by a full commit SHA', () => {
      for (const step of steps(workflow)) {
        if (step.uses === undefined || isThisAction(step.uses)) continue;
        expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      }
    });
  });
});
