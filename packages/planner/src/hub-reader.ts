import { existsSync, statSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { downloadFile, HubApiError, modelInfo, parseSafetensorsMetadata } from '@huggingface/hub';
import { z } from 'zod';
import { fetchWithDeadline } from './fetch-deadline';
import { type ModelConfig, parseModelConfig } from './model-config';
import {
  buildModelFacts,
  estimatedWeights,
  type ModelFacts,
  type WeightFacts,
  weightsFromCounts,
  weightsFromTotalSize,
} from './model-facts';

export interface ModelFactsSource {
  /** Hub id (`org/name`) or a local directory (an existing path, or one starting with `./`, `../` or `/`). */
  model: string;
  revision?: string | undefined;
  /** Hub URL; defaults to `HF_ENDPOINT`, then https://huggingface.co. */
  hubEndpoint?: string | undefined;
  /** Defaults to `HF_TOKEN`. Never logged. */
  token?: string | undefined;
  fetch?: typeof fetch | undefined;
  /** Per Hub request; default `DEFAULT_HUB_READ_TIMEOUT_MS`. A Hub that never answers fails, naming the file. */
  timeoutMs?: number | undefined;
  /** Resolves relative local paths; defaults to the process's. */
  cwd?: string | undefined;
}

/** Model facts could not be read: missing repo or file, no access, malformed JSON. */
export class ModelFactsError extends Error {
  override name = 'ModelFactsError';
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

const indexSchema = z.object({ metadata: z.looseObject({ total_size: z.number().positive() }) });
const safetensorsInfoSchema = z
  .object({ parameters: z.record(z.string(), z.number().nonnegative()) })
  .loose()
  .nullish();

/** As LightEval and the planner read `model`: a path form, or a path that exists, is a directory. */
export function isLocalPath(model: string, cwd: string): boolean {
  return /^(\.{1,2}\/|\/|~\/)/.test(model) || isAbsolute(model) || existsSync(resolve(cwd, model));
}

export async function loadModelFacts(source: ModelFactsSource): Promise<ModelFacts> {
  const cwd = source.cwd ?? process.cwd();
  if (isLocalPath(source.model, cwd)) return loadLocalFacts(source.model, resolve(cwd, source.model));
  return loadHubFacts(source);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelFactsError(
      `${where} is not valid JSON: ${(error as Error).message}`,
      'Re-download or fix the file; the planner reads it as the model’s architecture.',
    );
  }
}

// ---------------------------------------------------------------- local directory

async function loadLocalFacts(given: string, dir: string): Promise<ModelFacts> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ModelFactsError(
      `model directory '${given}' does not exist`,
      'Pass a directory holding config.json, or a Hub id such as org/name.',
    );
  }
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) {
    throw new ModelFactsError(
      `'${given}' has no config.json`,
      'Point --model at the checkpoint directory itself (the one with config.json and *.safetensors).',
    );
  }
  const config = parseModelConfig(parseJson(await readFile(configPath, 'utf8'), configPath), configPath);
  const weights = await localWeights(dir, config);
  return buildModelFacts({ id: given, revision: undefined, source: 'local' }, config, weights);
}

async function localWeights(dir: string, config: ModelConfig): Promise<WeightFacts> {
  const files = await readdir(dir);
  const shards = files.filter((f) => f.endsWith('.safetensors')).sort();
  if (shards.length > 0) {
    // Headers are exact and cheap to read (8-byte length + JSON), so prefer them to the index.
    const counts: Record<string, number> = {};
    for (const shard of shards) {
      for (const [dtype, count] of Object.entries(await readSafetensorsCounts(join(dir, shard)))) {
        counts[dtype] = (counts[dtype] ?? 0) + count;
      }
    }
    return weightsFromCounts(config, counts, 'safetensors-header');
  }
  const indexPath = join(dir, 'model.safetensors.index.json');
  if (files.includes('model.safetensors.index.json')) {
    const index = indexSchema.safeParse(parseJson(await readFile(indexPath, 'utf8'), indexPath));
    if (index.success) return weightsFromTotalSize(config, index.data.metadata.total_size);
  }
  return estimatedWeights(config);
}

const tensorHeaderSchema = z.record(
  z.string(),
  z.union([
    z.object({ dtype: z.string(), shape: z.array(z.number().int().nonnegative()) }).loose(),
    z.unknown(),
  ]),
);

/** Parameter count per dtype from one safetensors file's header. */
export async function readSafetensorsCounts(path: string): Promise<Record<string, number>> {
  const handle = await open(path, 'r');
  try {
    const lengthBuffer = Buffer.alloc(8);
    await handle.read(lengthBuffer, 0, 8, 0);
    const length = Number(lengthBuffer.readBigUInt64LE(0));
    if (length <= 0 || length > 100 * 1024 * 1024) {
      throw new ModelFactsError(
        `${path} has an invalid safetensors header`,
        'Check that the file is complete.',
      );
    }
    const header = Buffer.alloc(length);
    await handle.read(header, 0, length, 8);
    const parsed = tensorHeaderSchema.parse(parseJson(header.toString('utf8'), path));
    const counts: Record<string, number> = {};
    for (const [name, tensor] of Object.entries(parsed)) {
      if (name === '__metadata__' || typeof tensor !== 'object' || tensor === null) continue;
      const { dtype, shape } = tensor as { dtype: string; shape: number[] };
      counts[dtype] = (counts[dtype] ?? 0) + shape.reduce((a, b) => a * b, 1);
    }
    return counts;
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------- Hugging Face Hub

interface HubAccess {
  model: string;
  revision: string | undefined;
  hubUrl: string;
  accessToken: string | undefined;
  fetch: typeof fetch;
  timeoutMs: number;
}

/**
 * Per request. The planner reads a config.json, an index and a few KiB of safetensors headers: a
 * Hub that has not answered one of them in 30 s is not answering (the CLI's --hub-timeout raises it).
 */
export const DEFAULT_HUB_READ_TIMEOUT_MS = 30_000;

/** No answer from the Hub within the timeout; `hubError` names the file being read. */
class HubReadTimeout extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer from ${url} within ${Math.round(timeoutMs / 1000)} s`);
  }
}

function hubError(error: unknown, access: HubAccess, what: string): Error {
  if (error instanceof ModelFactsError) return error;
  const at = access.revision ? ` at revision '${access.revision}'` : '';
  if (error instanceof HubApiError) {
    if (error.statusCode === 401 || error.statusCode === 403) {
      return new ModelFactsError(
        `no access to ${access.model}${at} on ${access.hubUrl} (HTTP ${error.statusCode} reading ${what}): the repository is gated, private or missing`,
        access.accessToken
          ? 'HF_TOKEN was sent but does not grant access: accept the model’s terms on its Hub page with that account, or use a token with read access to the repository.'
          : 'Set HF_TOKEN to a token with read access (and accept the model’s terms on its Hub page if it is gated).',
      );
    }
    if (error.statusCode === 404) {
      return new ModelFactsError(
        `${access.model}${at} was not found on ${access.hubUrl} (HTTP 404 reading ${what})`,
        'Check the model id and revision (and HF_ENDPOINT if you use a mirror).',
      );
    }
    return new ModelFactsError(
      `the Hub at ${access.hubUrl} answered HTTP ${error.statusCode} reading ${what} of ${access.model}`,
      'Retry later; if it persists, check HF_ENDPOINT.',
    );
  }
  // The library may wrap the abort; the deadline is what the user needs to hear about.
  const timedOut =
    error instanceof HubReadTimeout ? error : (error as { cause?: unknown })?.cause instanceof HubReadTimeout;
  if (timedOut || (error as { name?: unknown })?.name === 'TimeoutError') {
    return new ModelFactsError(
      `the Hub at ${access.hubUrl} did not answer within ${Number((access.timeoutMs / 1000).toFixed(1))} s reading ${what} of ${access.model}`,
      'The Hub (or HF_ENDPOINT) accepted the connection but sent nothing: retry later, check HF_ENDPOINT, or raise the timeout (--hub-timeout).',
    );
  }
  if (error instanceof TypeError && /access token must start with 'hf_'/.test(error.message)) {
    return new ModelFactsError(
      'HF_TOKEN is not a Hugging Face token',
      "Hugging Face tokens start with 'hf_'.",
    );
  }
  return new ModelFactsError(
    `cannot reach the Hub at ${access.hubUrl} reading ${what} of ${access.model}: ${(error as Error).message}`,
    'Check the network and HF_ENDPOINT.',
  );
}

async function downloadText(access: HubAccess, path: string): Promise<string | undefined> {
  try {
    const blob = await downloadFile({
      repo: access.model,
      path,
      ...(access.revision !== undefined && { revision: access.revision }),
      hubUrl: access.hubUrl,
      ...(access.accessToken !== undefined && { accessToken: access.accessToken }),
      fetch: access.fetch,
      xet: false,
    });
    return blob ? await blob.text() : undefined;
  } catch (error) {
    throw hubError(error, access, path);
  }
}

/**
 * Reads the safetensors headers by range requests (a few KiB per file, never the weights) and counts
 * the parameters per dtype. Undefined when the repository has no safetensors file at all.
 */
async function countFromSafetensorsHeaders(
  access: HubAccess,
  config: ModelConfig,
): Promise<WeightFacts | undefined> {
  try {
    const parsed = await parseSafetensorsMetadata({
      repo: { type: 'model', name: access.model },
      computeParametersCount: true,
      hubUrl: access.hubUrl,
      ...(access.revision !== undefined && { revision: access.revision }),
      ...(access.accessToken !== undefined && { accessToken: access.accessToken }),
      fetch: access.fetch,
    });
    const counts = Object.fromEntries(
      Object.entries(parsed.parameterCount).filter(
        (entry): entry is [string, number] => typeof entry[1] === 'number',
      ),
    );
    return Object.keys(counts).length > 0
      ? weightsFromCounts(config, counts, 'safetensors-header')
      : undefined;
  } catch (error) {
    // No model.safetensors(.index.json) in the repository: the caller estimates, and says so.
    if (error instanceof HubApiError && error.statusCode === 404) return undefined;
    const noSafetensors = /does not exist|does not seem to contain safetensors|not found|could not find/i;
    if (noSafetensors.test((error as Error).message)) return undefined;
    throw hubError(error, access, 'the safetensors headers');
  }
}

async function loadHubFacts(source: ModelFactsSource): Promise<ModelFacts> {
  const access: HubAccess = {
    model: source.model,
    revision: source.revision,
    // The environment applies only when the caller did not pass the field at all (the CLI passes its own env).
    hubUrl: (
      source.hubEndpoint ??
      ('hubEndpoint' in source ? undefined : process.env.HF_ENDPOINT) ??
      'https://huggingface.co'
    ).replace(/\/+$/, ''),
    accessToken: source.token ?? ('token' in source ? undefined : process.env.HF_TOKEN || undefined),
    fetch: fetchWithDeadline(
      source.fetch ?? globalThis.fetch,
      source.timeoutMs ?? DEFAULT_HUB_READ_TIMEOUT_MS,
      (url, ms) => new HubReadTimeout(url, ms),
    ),
    timeoutMs: source.timeoutMs ?? DEFAULT_HUB_READ_TIMEOUT_MS,
  };
  if (!/^[\w.-]+\/[\w.-]+$/.test(source.model)) {
    throw new ModelFactsError(
      `'${source.model}' is neither an existing directory nor a Hub model id (org/name)`,
      'Pass a Hub id such as deepseek-ai/DeepSeek-R1-Distill-Qwen-7B, or a path starting with ./ or /.',
    );
  }
  // The file, not the API's `config` field: that is a projection missing most architecture fields.
  const configText = await downloadText(access, 'config.json');
  if (configText === undefined) {
    throw new ModelFactsError(
      `${source.model} has no config.json${source.revision ? ` at revision '${source.revision}'` : ''}`,
      'The planner needs a transformers-style config.json; check the repository and revision.',
    );
  }
  const where = `${source.model}/config.json`;
  const config = parseModelConfig(parseJson(configText, where), where);

  let sha: string | undefined;
  let weights: WeightFacts | undefined;
  try {
    const info = await modelInfo({
      name: source.model,
      additionalFields: ['safetensors', 'sha'],
      ...(access.revision !== undefined && { revision: access.revision }),
      hubUrl: access.hubUrl,
      ...(access.accessToken !== undefined && { accessToken: access.accessToken }),
      fetch: access.fetch,
    });
    sha = typeof info.sha === 'string' ? info.sha : undefined;
    const safetensors = safetensorsInfoSchema.safeParse(info.safetensors);
    if (safetensors.success && safetensors.data && Object.keys(safetensors.data.parameters).length > 0) {
      weights = weightsFromCounts(config, safetensors.data.parameters, 'safetensors-api');
    }
  } catch (error) {
    throw hubError(error, access, 'the model info');
  }
  if (!weights) {
    const indexText = await downloadText(access, 'model.safetensors.index.json');
    if (indexText !== undefined) {
      const index = indexSchema.safeParse(
        parseJson(indexText, `${source.model}/model.safetensors.index.json`),
      );
      if (index.success) weights = weightsFromTotalSize(config, index.data.metadata.total_size);
    }
  }
  if (!weights) weights = await countFromSafetensorsHeaders(access, config);
  return buildModelFacts(
    { id: source.model, revision: source.revision ?? sha, source: 'hub' },
    config,
    weights ?? estimatedWeights(config),
  );
}
