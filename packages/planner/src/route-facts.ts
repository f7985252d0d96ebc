/**
 * What decides how a job may span nodes, read from the projects' source. LightEval's `vllm` backend
 * builds an in-process `LLM(...)` and its model config refuses unknown keys, so it cannot pass vLLM's
 * multi-node options: whether it can span nodes depends only on the vLLM its release installs.
 * Every fact keeps its source (repository, tag, path); the tests hold these against the LightEval
 * fact table (test/fixtures/lighteval-facts/releases.json).
 */

export interface Source {
  repo: string;
  tag?: string;
  path?: string;
  /** A pull request, where the fact is a change between releases. */
  pr?: number;
}

export interface VllmPin {
  /** The requirement as written in pyproject.toml. */
  requirement: string;
  /** The exclusive upper bound (`<X`), when the release has one. */
  below?: string;
  source: Source;
}

const lighteval = (tag: string, path: string): Source => ({ repo: 'huggingface/lighteval', tag, path });

/** `vllm` in `[project.optional-dependencies]` of pyproject.toml at each LightEval tag. */
export const lightevalVllmPins: Readonly<Record<string, VllmPin>> = {
  '0.8.0': { requirement: 'vllm>=0.7.0', source: lighteval('v0.8.0', 'pyproject.toml') },
  '0.9.0': { requirement: 'vllm>=0.7.0', source: lighteval('v0.9.0', 'pyproject.toml') },
  '0.9.1': { requirement: 'vllm>=0.7.0', source: lighteval('v0.9.1', 'pyproject.toml') },
  '0.9.2': { requirement: 'vllm>=0.7.0', source: lighteval('v0.9.2', 'pyproject.toml') },
  '0.10.0': { requirement: 'vllm>=0.8.4', source: lighteval('v0.10.0', 'pyproject.toml') },
  '0.11.0': {
    requirement: 'vllm>=0.10.0,<0.10.2',
    below: '0.10.2',
    source: lighteval('v0.11.0', 'pyproject.toml'),
  },
  '0.12.0': {
    requirement: 'vllm>=0.10.0,<0.10.2',
    below: '0.10.2',
    source: lighteval('v0.12.0', 'pyproject.toml'),
  },
  '0.12.1': {
    requirement: 'vllm>=0.10.0,<0.10.2',
    below: '0.10.2',
    source: lighteval('v0.12.1', 'pyproject.toml'),
  },
  '0.12.2': {
    requirement: 'vllm>=0.10.0,<0.10.2',
    below: '0.10.2',
    source: lighteval('v0.12.2', 'pyproject.toml'),
  },
  '0.13.0': {
    requirement: 'vllm>=0.10.0,<0.10.2',
    below: '0.10.2',
    source: lighteval('v0.13.0', 'pyproject.toml'),
  },
};

/**
 * vLLM's multi-node behaviour by version.
 * - Up to 0.11.0, `ParallelConfig.__post_init__` picks the Ray executor by itself when the world size
 *   (TP × PP) exceeds the node's GPUs and Ray is importable; `LLM(...)` then joins the Ray cluster
 *   named by RAY_ADDRESS. That is what lets LightEval's in-process engine span nodes.
 * - From 0.11.1 (PR #25775) it refuses instead: "World size (N) is larger than the number of available
 *   GPUs (G) in this node …" unless `--distributed-executor-backend ray` or `--nnodes` is given
 *   (vllm/config/parallel.py; the message's wording was extended by PR #30140).
 * - The multiprocessing executor spans nodes with `--nnodes --node-rank --master-addr --master-port`
 *   and `--headless` on the other nodes (PR #23691, "Support MP Executor for multi node distributed
 *   inference"). The first release with it is not read per tag here (the vLLM repository is above the
 *   size the fetch tool brings over); 0.11.1 is assumed. No decision below depends on the exact
 *   release: every LightEval release that pins vLLM pins it below 0.10.2, before any candidate.
 */
export const vllmMultiNode = {
  autoRayFallbackThrough: '0.11.0',
  refusesWithoutBackendFrom: '0.11.1',
  mpMultiNodeFrom: '0.11.1',
  sources: [
    { repo: 'vllm-project/vllm', path: 'vllm/config/parallel.py', pr: 25775 },
    { repo: 'vllm-project/vllm', path: 'vllm/config/parallel.py', pr: 30140 },
    { repo: 'vllm-project/vllm', path: 'vllm/engine/arg_utils.py', pr: 23691 },
  ] satisfies Source[],
} as const;

/**
 * `lighteval endpoint litellm MODEL_ARGS TASKS` (src/lighteval/main_endpoint.py; config in
 * src/lighteval/models/litellm_model.py, from 0.11 src/lighteval/models/endpoints/litellm_model.py):
 * - 0.8.0: a dataclass keyed `model`, model args split naively on ',' and '=' (no
 *   `generation_parameters`: temperature, top_p and max tokens cannot be set) — unusable here.
 * - 0.9.0 – 0.10.0: `model_name`, `provider`, `base_url`, `api_key`; concurrency fixed at 20 threads
 *   (`CONCURENT_CALLS = 20`); `--use-chat-template` is an option of the command up to 0.9.2.
 * - 0.11.0 on: `concurrent_requests` (default 10) added; `cache_dir` from the base ModelConfig.
 * LiteLLM picks the provider from the model name's prefix (`openai/NAME` with `base_url`: an
 * OpenAI-compatible server such as `vllm serve`), and LightEval passes `api_key` through.
 */
export interface EndpointFacts {
  usable: boolean;
  nameKey: 'model' | 'model_name';
  concurrencyKey?: 'concurrent_requests';
  /** Threads when the release has no concurrency key. */
  fixedConcurrency?: number;
  useChatTemplateFlag: boolean;
  source: Source;
}

export function endpointFactsFor(version: { major: number; minor: number; patch: number }): EndpointFacts {
  const at = (tag: string, path: string) => lighteval(tag, path);
  if (version.major === 0 && version.minor < 9) {
    return {
      usable: false,
      nameKey: 'model',
      fixedConcurrency: 20,
      useChatTemplateFlag: true,
      source: at('v0.8.0', 'src/lighteval/models/litellm_model.py'),
    };
  }
  if (version.major === 0 && version.minor < 11) {
    return {
      usable: true,
      nameKey: 'model_name',
      fixedConcurrency: 20,
      useChatTemplateFlag: version.minor < 10,
      source: at(
        `v${version.major}.${version.minor}.${version.patch}`,
        'src/lighteval/models/litellm_model.py',
      ),
    };
  }
  return {
    usable: true,
    nameKey: 'model_name',
    concurrencyKey: 'concurrent_requests',
    useChatTemplateFlag: false,
    source: at('v0.11.0', 'src/lighteval/models/endpoints/litellm_model.py'),
  };
}

/** Compares dotted versions numerically (`0.10.2` > `0.9.9`). */
export function versionLessThan(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * Whether every vLLM the release may install still falls back to Ray by itself: true when its pin's
 * upper bound is at or below the first refusing release. Undefined for a release without facts.
 */
export function pinnedVllmFallsBackToRay(lightevalVersion: string): boolean | undefined {
  const pin = lightevalVllmPins[normalise(lightevalVersion)];
  if (!pin) return undefined;
  return pin.below !== undefined && !versionLessThan(vllmMultiNode.refusesWithoutBackendFrom, pin.below);
}

/** Whether the release's pin rules out vLLM's multiprocessing multi-node options. */
export function pinnedVllmLacksMpMultiNode(lightevalVersion: string): boolean {
  const pin = lightevalVllmPins[normalise(lightevalVersion)];
  return pin?.below !== undefined && !versionLessThan(vllmMultiNode.mpMultiNodeFrom, pin.below);
}

export function vllmPinFor(lightevalVersion: string): VllmPin | undefined {
  return lightevalVllmPins[normalise(lightevalVersion)];
}

function normalise(version: string): string {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return match ? `${match[1]}.${match[2]}.${match[3] ?? 0}` : version;
}
