import { parseLightevalVersion } from './lighteval-version';
import { PlanError } from './plan-error';
import {
  endpointFactsFor,
  pinnedVllmFallsBackToRay,
  pinnedVllmLacksMpMultiNode,
  vllmMultiNode,
  vllmPinFor,
} from './route-facts';

/**
 * How a job runs its engine:
 * - `in-process`: `lighteval vllm` with vLLM inside LightEval, on one node (the only route before).
 * - `ray`: the job starts a Ray cluster over its nodes and runs `lighteval vllm` on the first one;
 *   vLLM (≤ 0.11.0) finds the cluster through RAY_ADDRESS and spreads the layout over it.
 * - `serve`: `vllm serve` spans the nodes (over Ray or vLLM's own multiprocessing multi-node
 *   executor), and `lighteval endpoint litellm` evaluates it through its OpenAI-compatible API.
 */
export type Route = 'in-process' | 'ray' | 'serve';
export type RouteSetting = 'auto' | Route;
/** What `vllm serve` spans the nodes with on the serve route. */
export type MultiNodeEngine = 'ray' | 'mp';

export const routeSettings: readonly RouteSetting[] = ['auto', 'in-process', 'ray', 'serve'];
export const multiNodeEngines: readonly MultiNodeEngine[] = ['ray', 'mp'];

export interface RouteChoice {
  route: Route;
  reason: string;
  warnings: string[];
}

export interface RouteRequest {
  requested: RouteSetting;
  engine: MultiNodeEngine;
  nodes: number;
  dataParallel: number;
  lightevalVersion: string;
}

/** The route for one job, or a PlanError saying why the requested one cannot work. */
export function chooseRoute(request: RouteRequest): RouteChoice {
  const { requested, nodes, lightevalVersion } = request;
  if (requested === 'auto') return autoRoute(request);
  const reason = `route ${requested} as requested`;
  if (requested === 'in-process') {
    if (nodes > 1) {
      throw new PlanError(
        `route in-process cannot run a job on ${nodes} nodes: LightEval's vllm backend runs vLLM inside its own process, on the node it starts on`,
        'Use route auto (or ray / serve), or plan for one node (max-nodes 1).',
      );
    }
    return { route: 'in-process', reason, warnings: [] };
  }
  if (requested === 'ray') return { route: 'ray', reason, warnings: rayWarnings(lightevalVersion, nodes) };
  return { route: 'serve', reason, warnings: serveProblems(request) };
}

function autoRoute(request: RouteRequest): RouteChoice {
  const { nodes, lightevalVersion } = request;
  if (nodes === 1) {
    return {
      route: 'in-process',
      reason: 'route in-process: the job fits on one node, where LightEval runs vLLM itself',
      warnings: [],
    };
  }
  const pin = vllmPinFor(lightevalVersion);
  if (pinnedVllmFallsBackToRay(lightevalVersion)) {
    return {
      route: 'ray',
      reason: `route ray: ${nodes} nodes, and LightEval ${lightevalVersion} pins ${pin?.requirement}, a vLLM that falls back to a reachable Ray cluster when TP × PP exceeds one node's GPUs (vLLM ≤ ${vllmMultiNode.autoRayFallbackThrough}); the job starts Ray over its nodes`,
      warnings: [],
    };
  }
  const version = parseLightevalVersion(lightevalVersion);
  if (!endpointFactsFor(version).usable) {
    return {
      route: 'ray',
      reason: `route ray: ${nodes} nodes; LightEval ${lightevalVersion}'s endpoint backend cannot set the generation parameters, so vLLM runs in LightEval over a Ray cluster the job starts`,
      warnings: rayWarnings(lightevalVersion, nodes),
    };
  }
  const why = pin
    ? `LightEval ${lightevalVersion} pins ${pin.requirement}, which allows a vLLM from ${vllmMultiNode.refusesWithoutBackendFrom} on that refuses to span nodes from inside LightEval (vLLM PR #25775)`
    : `there are no facts about the vLLM LightEval ${lightevalVersion} installs`;
  return {
    route: 'serve',
    reason: `route serve: ${nodes} nodes, and ${why}; vllm serve spans the nodes (${request.engine}) and LightEval evaluates its OpenAI-compatible API`,
    warnings: serveProblems(request),
  };
}

/** The ray route works only with a vLLM that still falls back to Ray by itself. */
function rayWarnings(lightevalVersion: string, nodes: number): string[] {
  if (nodes === 1 || pinnedVllmFallsBackToRay(lightevalVersion)) return [];
  const pin = vllmPinFor(lightevalVersion);
  return [
    `route ray needs vLLM ≤ ${vllmMultiNode.autoRayFallbackThrough} on the nodes: LightEval ${lightevalVersion} ${pin ? `pins only ${pin.requirement}` : 'has no known vLLM pin'}, and from ${vllmMultiNode.refusesWithoutBackendFrom} vLLM refuses a world size above one node's GPUs ("World size … is larger than the number of available GPUs")`,
  ];
}

/** Refusals (PlanError) and warnings for the serve route. */
function serveProblems(request: RouteRequest): string[] {
  const { lightevalVersion, engine, nodes } = request;
  const facts = endpointFactsFor(parseLightevalVersion(lightevalVersion));
  if (!facts.usable) {
    throw new PlanError(
      `route serve needs LightEval's endpoint backend with generation parameters: LightEval ${lightevalVersion}'s \`endpoint litellm\` takes only model, provider, base_url and api_key (${facts.source.path} at ${facts.source.tag})`,
      'Use LightEval 0.9.0 or later for the serve route, or route ray.',
    );
  }
  if (nodes > 1 && engine === 'mp' && pinnedVllmLacksMpMultiNode(lightevalVersion)) {
    throw new PlanError(
      `multi-node-engine mp needs vllm serve --nnodes/--node-rank/--master-addr (vLLM ${vllmMultiNode.mpMultiNodeFrom}+), but LightEval ${lightevalVersion} pins ${vllmPinFor(lightevalVersion)?.requirement}`,
      'Use multi-node-engine ray (vllm serve --distributed-executor-backend ray over the Ray cluster the job starts).',
    );
  }
  if (nodes > 1 && request.dataParallel > 1) {
    throw new PlanError(
      `route serve runs one server replica; this job plans ${request.dataParallel} replicas over ${nodes} nodes`,
      'Use route ray for several replicas over several nodes, or lower the GPU budget per job to one replica.',
    );
  }
  const warnings: string[] = [];
  if (facts.fixedConcurrency !== undefined) {
    warnings.push(
      `LightEval ${lightevalVersion}'s endpoint backend sends at most ${facts.fixedConcurrency} requests at once (no concurrency setting before 0.11): the server may idle`,
    );
  }
  if (nodes > 1 && engine === 'mp' && !pinnedVllmLacksMpMultiNode(lightevalVersion)) {
    warnings.push(`multi-node-engine mp needs vLLM ${vllmMultiNode.mpMultiNodeFrom} or later on the nodes`);
  }
  return warnings;
}
