import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kvBytesPerTokenPerGpu, type ModelFacts, memoryPerGpu, parseModelConfig } from '../src/index';
import { estimatedFixtureFacts, fixtureFacts, fixtureModels } from './fixtures';

// The planner against what vLLM itself logged at start-up, one row per configuration (the figures,
// their quotes and links are in test/fixtures/vllm-startup/logged.json; docs/planner.md shows them).

const range = z.tuple([z.number(), z.number()]);
const bound = z.object({ relative: range.optional(), absoluteGiB: range.optional() });
const rowSchema = z.object({
  name: z.string(),
  source: z.url(),
  quote: z.string().min(10),
  model: z.string().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  layout: z.object({ tensorParallel: z.int().positive(), pipelineParallel: z.int().positive() }),
  gpu: z.object({ memoryGiB: z.number().positive(), utilization: z.number().positive().max(1) }).optional(),
  eager: z.boolean().optional(),
  logged: z.object({
    weights: z.number().optional(),
    overhead: z.number().optional(),
    kvCache: z.number().optional(),
    kvBytesPerToken: z.number().optional(),
    weightsAtLeast: z.number().optional(),
  }),
  expect: z.object({
    weights: bound.optional(),
    kvCache: bound.optional(),
    kvBytesPerToken: bound.optional(),
    weightsAbove: z.literal('budget').optional(),
  }),
});
const rows = z
  .object({ rows: z.array(rowSchema).min(6) })
  .parse(
    JSON.parse(
      readFileSync(new URL('../../../test/fixtures/vllm-startup/logged.json', import.meta.url), 'utf8'),
    ),
  ).rows;

/** The facts the planner would have: Hub counts for the fixtures that have them, else the estimate. */
function factsOf(id: string): ModelFacts {
  return (fixtureModels as readonly string[]).includes(id) ? fixtureFacts(id) : estimatedFixtureFacts(id);
}

function within(planner: number, logged: number, limits: z.infer<typeof bound>, what: string): void {
  if (limits.relative) {
    const gap = planner / logged - 1;
    expect(gap, `${what}: planner ${planner.toFixed(2)} vs logged ${logged}`).toBeGreaterThanOrEqual(
      limits.relative[0],
    );
    expect(gap, `${what}: planner ${planner.toFixed(2)} vs logged ${logged}`).toBeLessThanOrEqual(
      limits.relative[1],
    );
  }
  if (limits.absoluteGiB) {
    const gap = planner - logged;
    expect(gap, `${what}: planner ${planner.toFixed(2)} vs logged ${logged}`).toBeGreaterThanOrEqual(
      limits.absoluteGiB[0],
    );
    expect(gap, `${what}: planner ${planner.toFixed(2)} vs logged ${logged}`).toBeLessThanOrEqual(
      limits.absoluteGiB[1],
    );
  }
}

describe("the memory model against vLLM's logged start-up figures", () => {
  it('has at least six configurations, each with a link and something to compare', () => {
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) expect(Object.keys(row.expect).length, row.name).toBeGreaterThan(0);
  });

  it.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const layout = { ...row.layout, nodes: 1 };
    if (row.config) {
      const config = parseModelConfig(row.config, row.name);
      const perToken = kvBytesPerTokenPerGpu(config, layout);
      if (row.expect.kvBytesPerToken && row.logged.kvBytesPerToken !== undefined)
        within(perToken, row.logged.kvBytesPerToken, row.expect.kvBytesPerToken, 'KV bytes per token');
      return;
    }
    if (!row.model || !row.gpu) throw new Error(`${row.name}: a row needs a model fixture and a GPU`);
    const facts = factsOf(row.model);
    const memory = memoryPerGpu(facts.config, facts.weightBytes, layout, 8192, {
      gpuMemoryGiB: row.gpu.memoryGiB,
      gpuMemoryUtilization: row.gpu.utilization,
      computeBytes: 2,
    });
    if (row.expect.weights && row.logged.weights !== undefined)
      within(memory.weightsGiB, row.logged.weights, row.expect.weights, 'weights');
    if (row.expect.kvCache && row.logged.kvCache !== undefined)
      within(memory.kvCacheGiB, row.logged.kvCache, row.expect.kvCache, 'KV cache');
    if (row.expect.weightsAbove === 'budget') {
      // vLLM ran out of memory while loading: the planner must see that this layout cannot hold the weights.
      expect(memory.weightsGiB).toBeGreaterThan(row.logged.weightsAtLeast ?? 0);
      expect(memory.weightsGiB).toBeGreaterThan(memory.budgetGiB);
    }
  });

  it('keeps the non-weight overhead at or above what eager runs (as LightEval runs) logged', () => {
    for (const row of rows.filter((r) => r.eager === true && r.logged.overhead !== undefined && r.model)) {
      const facts = factsOf(row.model ?? '');
      const memory = memoryPerGpu(facts.config, facts.weightBytes, { ...row.layout, nodes: 1 }, 8192, {
        gpuMemoryGiB: row.gpu?.memoryGiB ?? 80,
        gpuMemoryUtilization: row.gpu?.utilization ?? 0.9,
        computeBytes: 2,
      });
      expect(memory.overheadGiB, row.name).toBeGreaterThanOrEqual(row.logged.overhead ?? 0);
    }
  });
});
