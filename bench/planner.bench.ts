import { performance } from 'node:perf_hooks';
import {
  type ClusterShape,
  getGpuType,
  loadModelFacts,
  type ModelFacts,
  planEvaluation,
} from '@model-eval/planner';
import {
  estimatedFixtureFacts,
  fixtureFacts,
  fixtureModels,
  fixtureModels2026,
  modelsDir,
} from '../packages/planner/test/fixtures';

// Plans per second over the fixture models on the two reference clusters, once facts are loaded
// (the issue asks for well under 10 ms per plan), plus the cost of reading facts from a local directory.
const clusters: ClusterShape[] = [
  { gpusPerNode: 8, gpuMemoryGiB: getGpuType('h100').memoryGiB, maxNodes: 4 },
  { gpusPerNode: 8, gpuMemoryGiB: getGpuType('a100-40').memoryGiB, maxNodes: 4 },
];
// The 2026 models (per-layer specs, MoE, MLA, NAS) cost more per plan than the dense ones: bench both.
const facts: ModelFacts[] = [
  ...fixtureModels.map((id) => fixtureFacts(id)),
  ...fixtureModels2026.map((id) => estimatedFixtureFacts(id)),
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

// Warm up the JIT so the numbers describe steady state.
for (let i = 0; i < 200; i++)
  for (const f of facts) for (const cluster of clusters) planEvaluation({ facts: f, cluster });

const rounds = 300;
const latencies: number[] = [];
const started = performance.now();
for (let i = 0; i < rounds; i++) {
  for (const f of facts) {
    for (const cluster of clusters) {
      const t0 = performance.now();
      planEvaluation({ facts: f, cluster });
      latencies.push(performance.now() - t0);
    }
  }
}
const elapsedMs = performance.now() - started;
latencies.sort((a, b) => a - b);
console.log(
  `planner: ${latencies.length} plans (${facts.length} fixture models × ${clusters.length} clusters × ${rounds})`,
);
console.log(
  `  throughput  ${Math.round(latencies.length / (elapsedMs / 1000)).toLocaleString('en-US')} plans/s`,
);
console.log(
  `  latency     p50 ${(percentile(latencies, 50) * 1000).toFixed(0)} µs, p99 ${(percentile(latencies, 99) * 1000).toFixed(0)} µs, max ${(percentile(latencies, 100) * 1000).toFixed(0)} µs`,
);

const loadTimes: number[] = [];
for (const id of fixtureModels) {
  const t0 = performance.now();
  await loadModelFacts({ model: `./${id}`, cwd: modelsDir });
  loadTimes.push(performance.now() - t0);
}
loadTimes.sort((a, b) => a - b);
console.log(
  `  local facts p50 ${percentile(loadTimes, 50).toFixed(2)} ms per model (config.json + index, first read)`,
);
