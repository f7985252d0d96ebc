import { readFileSync } from 'node:fs';
import {
  benchmarkCatalog,
  type CatalogBenchmark,
  getBenchmark,
  lightevalTaskString,
  planEvaluation,
  samplesPlanFor,
} from '@model-eval/planner';
import { afterEach, describe, expect, it } from 'vitest';
import { release, releaseVersions } from '../../../test/fixtures/lighteval-facts/facts';
import { fixtureFacts } from '../../planner/test/fixtures';
import { parseConfigFile, resolveSettings } from '../src/config';
import { benchmarkDataset } from '../src/hub';
import { benchmarkTitle } from '../src/report';
import { metricFamilyOf, pickHeadlineMetric } from '../src/results/headline-metric';

// Adding a benchmark is one edit: an entry in packages/planner/src/catalog.ts. Every consumer (the
// LightEval task string, the samples default and the config's `samples` map, the report's readable
// name, the headline metric, the Hub dataset, the config file's `benchmarks` list, the planner's
// context length) reads that entry; none keeps a table of its own. Checked two ways: every real entry
// against LightEval's own facts at each release, and a new entry added at run time, which every
// consumer must handle without any other change.

const pushTag = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/events/push-tag.json', import.meta.url), 'utf8'),
);

/** The config file's path to a run: `benchmarks: [name]` and `samples: {name: n}`, resolved as the action does. */
function resolvedBenchmark(name: string, samples: number) {
  const text = `model: org/model\nbenchmarks: ["${name}"]\nsamples: {"${name}": ${samples}}\ncluster:\n  gpus-per-node: 8\n  gpu-memory-gib: 80\n`;
  expect(() => parseConfigFile(text), name).not.toThrow();
  const outcome = resolveSettings({
    eventName: 'push',
    eventPayload: pushTag,
    getInput: () => '',
    setSecret: () => {},
    readConfigFile: (path) => (path === '.github/model-eval.yml' ? text : undefined),
  });
  if (outcome.kind !== 'run') throw new Error(outcome.reason);
  return outcome.settings.benchmarks;
}

/** What every consumer in src makes of one catalog entry; a consumer that does not know it fails here. */
function checkConsumers(entry: CatalogBenchmark): void {
  const { name } = entry;
  expect(benchmarkTitle(name), name).toBe(entry.title);
  expect(metricFamilyOf(name), name).toBe(entry.metricFamily);
  for (const version of releaseVersions) {
    const task = lightevalTaskString(entry, version);
    expect(task, `${name} ${version}`).toContain(`${entry.task}`);
    expect(samplesPlanFor(entry, version).drawn, `${name} ${version}`).toBeGreaterThanOrEqual(1);
    expect(benchmarkDataset(name, version)?.id, `${name} ${version}`).toBeDefined();
  }
  const [resolved] = resolvedBenchmark(name, 3);
  expect(resolved).toMatchObject({ name, task: entry.task, samplesPerPrompt: 3 });
  const plan = planEvaluation({
    facts: fixtureFacts('Qwen/Qwen3-8B'),
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
    benchmarks: [name],
  });
  const { max_position_embeddings: positions } = JSON.parse(
    readFileSync(new URL('../../../test/fixtures/models/Qwen/Qwen3-8B/config.json', import.meta.url), 'utf8'),
  ) as { max_position_embeddings: number };
  expect(plan.jobs[0]?.maxModelLength, name).toBe(
    Math.min(positions, entry.maxPromptTokens + entry.maxNewTokens),
  );
}

describe('the benchmark catalog is the one place a benchmark is defined', () => {
  it.each(benchmarkCatalog.map((b) => [b.name, b] as const))(
    '%s: every consumer handles it',
    (_name, entry) => {
      checkConsumers(entry);
    },
  );

  it.each(benchmarkCatalog.map((b) => [b.name] as const))(
    '%s: the consumers agree with what each LightEval release registers',
    (name) => {
      for (const version of releaseVersions) {
        const facts = release(version).benchmarks[name]?.value;
        expect(facts, `${name} is in the ${version} fact table`).toBeDefined();
        if (!facts) continue;
        // The Hub dataset the report names is the one the release reads.
        expect([version, benchmarkDataset(name, version)?.id]).toEqual([version, facts.hfRepo]);
        // The headline metric is found among the metric names the release writes.
        expect(pickHeadlineMetric(name, facts.metricNames), `${name} ${version}`).not.toBeNull();
      }
      expect(new Set(benchmarkCatalog.map((b) => b.title)).size).toBe(benchmarkCatalog.length);
    },
  );

  describe('a benchmark added to the catalog', () => {
    const catalog = benchmarkCatalog as CatalogBenchmark[];
    const added: CatalogBenchmark = {
      name: 'hmmt_feb25',
      title: 'HMMT February 2025',
      metricFamily: 'math',
      suite: 'lighteval',
      task: 'hmmt_feb25',
      fewshot: 0,
      samplesPerPrompt: 16,
      temperature: 0.6,
      topP: 0.95,
      maxNewTokens: 16_384,
      maxPromptTokens: 1_536,
      problems: 30,
      datasets: [{ since: [0, 8, 0], repo: 'MathArena/hmmt_feb_2025' }],
    };
    afterEach(() => {
      const index = catalog.indexOf(added);
      if (index >= 0) catalog.splice(index, 1);
    });

    it('is handled by every consumer with no other edit, and unknown before it was added', () => {
      expect(benchmarkTitle(added.name)).toBe(added.name);
      expect(metricFamilyOf(added.name)).toBeUndefined();
      expect(() => resolvedBenchmark(added.name, 3)).toThrow(/unknown benchmark/);
      catalog.push(added);
      expect(getBenchmark(added.name)).toBe(added);
      checkConsumers(added);
      expect(benchmarkDataset(added.name, '0.13.0')).toEqual({
        id: 'MathArena/hmmt_feb_2025',
        taskId: 'default',
      });
      expect(lightevalTaskString(added, '0.13.0')).toBe('hmmt_feb25@n=16|0');
      expect(lightevalTaskString(added, '0.10.0')).toBe('lighteval|hmmt_feb25|0|0');
    });
  });
});
