import {
  type Benchmark,
  type BenchmarkIdentity,
  benchmarkCatalog,
  benchmarkIdentity,
  LIGHTEVAL_DEFAULT_SEED,
  parseLightevalVersion,
} from '@model-eval/planner';
import type { BenchmarkFacts } from '../report/types';
import type { RunSettings } from './run-settings';
import type { RunState } from './run-state';

/** LightEval's default seed: the planner's constant, with its source there. */
export { LIGHTEVAL_DEFAULT_SEED };

/** `key=value` of the recorded model args, and the keys of `generation_parameters={...}`. */
function parseModelArgs(modelArgs: string): { top: Map<string, string>; generation: Map<string, string> } {
  const generationText = /generation_parameters=\{([^}]*)\}/.exec(modelArgs)?.[1] ?? '';
  const rest = modelArgs.replace(/generation_parameters=\{[^}]*\},?/, '');
  const pairs = (text: string, separator: string) =>
    new Map(
      text
        .split(',')
        .filter((p) => p.includes(separator))
        .map((p) => [p.slice(0, p.indexOf(separator)), p.slice(p.indexOf(separator) + 1)] as const),
    );
  return { top: pairs(rest, '='), generation: pairs(generationText, ':') };
}

const numberOr = (text: string | undefined): number | null => {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) ? value : null;
};

function definitionOf(name: string, settings: RunSettings): Benchmark | undefined {
  return (
    settings.benchmarkDefinitions?.find((b) => b.name === name) ??
    benchmarkCatalog.find((b) => b.name === name)
  );
}

/**
 * What produced each benchmark's number, read from the recorded jobs (the command lines that ran,
 * not today's defaults): generation parameters and seed from the model args, the dataset (and
 * LiveCodeBench release window) the LightEval release reads. The dataset revision is null: no
 * catalog task sets `hf_revision`, so LightEval reads the dataset's latest revision (said so).
 */
export function benchmarkFacts(
  state: RunState,
  settings: RunSettings,
  lightevalVersion: string,
): BenchmarkFacts[] {
  const version = parseLightevalVersion(lightevalVersion);
  const byBenchmark = new Map<string, BenchmarkFacts>();
  for (const job of state.jobs) {
    const { top, generation } = parseModelArgs(job.planned.lightevalModelArgs);
    // The per-request seed (generation_parameters: what a `seeds: N` run sets on every route), else
    // an engine seed in the model args (none of ours sets one).
    const engineSeed = numberOr(top.get('seed'));
    const requestSeed = numberOr(generation.get('seed'));
    const seed = requestSeed ?? engineSeed;
    const ranWith = seed ?? LIGHTEVAL_DEFAULT_SEED;
    for (const name of job.planned.benchmarks) {
      const known = byBenchmark.get(name);
      // The seed jobs of a `seeds: N` run differ only in the seed: one entry lists them all.
      if (known) {
        if (!known.seeds.includes(ranWith)) known.seeds.push(ranWith);
        continue;
      }
      const definition = definitionOf(name, settings);
      const identity: BenchmarkIdentity = definition
        ? benchmarkIdentity(definition, version)
        : { benchmark: name, revision: null };
      byBenchmark.set(name, {
        ...identity,
        seeds: [ranWith],
        seedSource:
          seed === null
            ? 'LightEval default (VLLMModelConfig.seed)'
            : requestSeed !== null
              ? 'generation_parameters: vLLM sampling seed per request'
              : 'model args',
        temperature: numberOr(generation.get('temperature')),
        topP: numberOr(generation.get('top_p')),
        maxNewTokens: numberOr(generation.get('max_new_tokens')),
      });
    }
  }
  return [...byBenchmark.values()];
}
