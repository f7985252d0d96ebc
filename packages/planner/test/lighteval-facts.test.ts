import { describe, expect, it } from 'vitest';
import {
  benchmarkFacts,
  judgeCommand,
  lightevalFacts,
  release,
  releaseVersions,
  samplesDrawn,
} from '../../../test/fixtures/lighteval-facts/facts';
import {
  benchmarkCatalog,
  benchmarkIdentity,
  buildLightevalArgs,
  getBenchmark,
  type LightevalCommandInput,
  lightevalTaskString,
  parseLightevalVersion,
  samplesPlanFor,
  suiteFor,
} from '../src/index';
import { commandInput } from './fixtures';

// The planner's LightEval beliefs held against the fact table read from LightEval's source at each
// release tag (test/fixtures/lighteval-facts/releases.json): a command line a release refuses, or one
// that only earns a deprecation warning, fails here instead of in a user's job after hours in the queue.

function input(version: string, overrides: Partial<LightevalCommandInput> = {}): LightevalCommandInput {
  return commandInput({
    model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B',
    revision: 'ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562',
    lightevalVersion: version,
    outputDir: '/scratch/run/lighteval-results',
    ...overrides,
  });
}

describe('the fact table', () => {
  it('covers every release from 0.8.0 to 0.13.0, each fact with its source tag', () => {
    expect(releaseVersions).toEqual([
      '0.8.0',
      '0.9.0',
      '0.9.1',
      '0.9.2',
      '0.10.0',
      '0.11.0',
      '0.12.0',
      '0.12.1',
      '0.12.2',
      '0.13.0',
    ]);
    for (const version of releaseVersions) {
      const facts = release(version);
      const facts_: { source: unknown }[] = [
        facts.cli,
        facts.modelArgs,
        facts.taskGrammar,
        facts.results,
        facts.details,
      ];
      const sources = [...facts_, ...Object.values(facts.benchmarks)].flatMap(
        (f) => (Array.isArray(f.source) ? f.source : [f.source]) as { tag?: string; path?: string }[],
      );
      for (const s of sources)
        expect([version, s.tag, s.path]).toEqual([version, `v${version}`, expect.any(String)]);
      expect(Object.keys(facts.benchmarks).sort()).toEqual(benchmarkCatalog.map((b) => b.name).sort());
    }
    expect(Object.keys(lightevalFacts.vllm.failures)).toContain('noCacheBlocks');
  });

  it('refuses what the releases refuse (so the checks below can fail)', () => {
    const base = (version: string) =>
      buildLightevalArgs(input(version, { benchmarks: [getBenchmark('math_500')] })).argv;
    const withKey = (version: string, key: string) => {
      const argv = base(version);
      argv[2] = `${argv[2]},${key}`;
      return argv;
    };
    expect(judgeCommand('0.8.0', withKey('0.8.0', 'max_num_seqs=64')).refused).not.toEqual([]);
    expect(judgeCommand('0.9.0', withKey('0.9.0', 'quantization=fp8')).refused).not.toEqual([]);
    expect(judgeCommand('0.10.0', withKey('0.10.0', 'quantization=fp8')).refused).toEqual([]);
    expect(judgeCommand('0.11.0', withKey('0.11.0', 'use_chat_template=true')).refused).not.toEqual([]);
    expect(judgeCommand('0.11.0', [...base('0.11.0'), '--use-chat-template']).refused).toEqual([
      'No such option: --use-chat-template',
    ]);
    expect(judgeCommand('0.13.0', [...base('0.13.0'), '--version']).refused).toEqual([
      'No such option: --version',
    ]);
    expect(judgeCommand('0.13.0', [...base('0.13.0'), '--no-save-details']).refused).toEqual([]);
    const tasks = (version: string, spec: string) => {
      const argv = base(version);
      argv[3] = spec;
      return judgeCommand(version, argv);
    };
    expect(tasks('0.10.0', 'lighteval|math_500|0').refused).toHaveLength(1);
    expect(tasks('0.11.0', 'lighteval|math_500|0|0')).toMatchObject({
      refused: [],
      warnings: [expect.any(String)],
    });
    expect(tasks('0.12.0', 'extended|lcb:codegeneration|0').refused).toHaveLength(1);
    expect(tasks('0.12.1', 'lighteval|math_500|0')).toMatchObject({
      refused: [],
      warnings: [expect.any(String)],
    });
    expect(tasks('0.12.1', 'lighteval|math_500|0|0').refused).toHaveLength(1);
    expect(tasks('0.13.0', 'math_500|0')).toEqual({ refused: [], warnings: [] });
  });
});

describe.each(releaseVersions)('planner command line for LightEval %s', (version) => {
  it.each(benchmarkCatalog.map((b) => b.name))(
    '%s: accepted as is, without a deprecation warning',
    (name) => {
      const benchmark = getBenchmark(name);
      for (const dataParallel of [1, 2]) {
        const { argv } = buildLightevalArgs(input(version, { benchmarks: [benchmark], dataParallel }));
        expect({ argv, ...judgeCommand(version, argv) }).toEqual({ argv, refused: [], warnings: [] });
      }
    },
  );

  it('all five benchmarks in one job, with no revision', () => {
    const { argv } = buildLightevalArgs(input(version, { revision: undefined }));
    expect(judgeCommand(version, argv)).toEqual({ refused: [], warnings: [] });
  });

  it('names each benchmark under the suite the release registers it in', () => {
    const parsed = parseLightevalVersion(version);
    for (const benchmark of benchmarkCatalog) {
      const registered = benchmarkFacts(release(version), benchmark.name);
      if (registered.suite !== null)
        expect([benchmark.name, suiteFor(benchmark, parsed)]).toEqual([benchmark.name, registered.suite]);
    }
  });
});

describe.each(releaseVersions)('samples per problem with LightEval %s', (version) => {
  it.each(benchmarkCatalog.map((b) => b.name))(
    '%s: the planner believes what the release draws, for the default and other counts',
    (name) => {
      const catalog = getBenchmark(name);
      for (const requested of [catalog.samplesPerPrompt, 1, 2, 32]) {
        const benchmark = { ...catalog, samplesPerPrompt: requested };
        const spec = lightevalTaskString(benchmark, version);
        const plan = samplesPlanFor(benchmark, version);
        expect({ spec, drawn: plan.drawn }).toEqual({ spec, drawn: samplesDrawn(version, spec) });
        // Whenever the release draws other than asked, the plan says so.
        expect(plan.warning !== undefined).toBe(plan.drawn !== requested);
        const { argv } = buildLightevalArgs(input(version, { benchmarks: [benchmark] }));
        expect(judgeCommand(version, argv)).toEqual({ refused: [], warnings: [] });
      }
    },
  );
});

describe('the samples facts can catch a wrong belief', () => {
  it('`@n=` counts from 0.11 only, and never for LiveCodeBench', () => {
    expect(samplesDrawn('0.13.0', 'aime24@n=64|0')).toBe(64);
    expect(samplesDrawn('0.13.0', 'aime24|0')).toBe(1);
    expect(samplesDrawn('0.11.0', 'lighteval|gpqa:diamond@n=8|0')).toBe(8);
    expect(samplesDrawn('0.12.2', 'lcb:codegeneration@n=16|0')).toBe(1);
    expect(samplesDrawn('0.10.0', 'lighteval|aime24|0|0')).toBe(64);
    expect(samplesDrawn('0.8.0', 'lighteval|aime24|0|0')).toBe(1);
    expect(samplesDrawn('0.8.0', 'extended|lcb:codegeneration|0|0')).toBe(16);
  });
  it('up to 0.10 a task string with `@n=` is an unknown task', () => {
    const argv = buildLightevalArgs(input('0.10.0', { benchmarks: [] })).argv;
    argv[3] = 'lighteval|aime24@n=64|0|0';
    expect(judgeCommand('0.10.0', argv).refused).toEqual([
      expect.stringMatching(/no catalog task 'aime24@n=64'/),
    ]);
  });
});

describe.each(releaseVersions)('benchmark identity with LightEval %s', (version) => {
  it('each catalog benchmark names the dataset (and LiveCodeBench window) the release reads', () => {
    for (const benchmark of benchmarkCatalog) {
      const facts = benchmarkFacts(release(version), benchmark.name);
      const identity = benchmarkIdentity(benchmark, version);
      expect([benchmark.name, identity.dataset]).toEqual([benchmark.name, facts.hfRepo]);
      if (facts.hfSubset !== undefined) expect(identity.subset).toBe(facts.hfSubset);
    }
  });
});
