import {
  type Benchmark,
  type BenchmarkIdentity,
  benchmarkCatalog,
  benchmarkIdentity,
  parseLightevalVersion,
} from '@model-eval/planner';
import type { BenchmarkFacts } from '../report/types';
import type { RunSettings } from './run-settings';
import type { RunState } from './run-state';

/**
 * vLLM's sampling seed when the model args set none: `VLLMModelConfig.seed: NonNegativeInt = 1234`
 * (huggingface/lighteval src/lighteval/models/vllm/vllm_model.py, v0.9.0 … v0.13.0; a dataclass field
 * with the same default at v0.8.0, whose `seed` key the release fact table lists). The plan sets no
 * seed, so every run so far used this one.
 */
export const LIGHTEVAL_DEFAULT_SEED = 1234;

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
  return state.jobs.flatMap((job) => {
    const { top, generation } = parseModelArgs(job.planned.lightevalModelArgs);
    const seedArg = numberOr(top.get('seed'));
    return job.planned.benchmarks.map((name) => {
      const definition = definitionOf(name, settings);
      const identity: BenchmarkIdentity = definition
        ? benchmarkIdentity(definition, version)
        : { benchmark: name, revision: null };
      return {
        ...identity,
        seeds: [seedArg ?? LIGHTEVAL_DEFAULT_SEED],
        seedSource: seedArg === null ? 'LightEval default (VLLMModelConfig.seed)' : 'model args',
        temperature: numberOr(generation.get('temperature')),
        topP: numberOr(generation.get('top_p')),
        maxNewTokens: numberOr(generation.get('max_new_tokens')),
      };
    });
  });
}
