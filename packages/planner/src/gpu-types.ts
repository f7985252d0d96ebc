import { PlanError } from './plan-error';

/**
 * Memory a GPU really reports, in GiB (what `torch.cuda.mem_get_info()` gives vLLM, and what
 * `nvidia-smi` shows in MiB / 1024): a marketed "80 GB" H100 reports about 79.2 GiB, and
 * `gpu_memory_utilization` is a fraction of that. Sources are vLLM start-up logs and tools'
 * device reports posted in public issues; where two reports differ we keep the smaller one.
 */
export interface GpuType {
  name: string;
  memoryGiB: number;
  /** The usual Slurm `--gres=gpu:TYPE:N` name; clusters name their own, so this is a default only. */
  gresType: string;
  source: string;
}

export const gpuTypes: Readonly<Record<string, GpuType>> = {
  h100: {
    name: 'NVIDIA H100 80GB HBM3',
    memoryGiB: 79.1,
    gresType: 'h100',
    // vllm-project/vllm#10511 logs total_gpu_memory 79.22GiB; nvidia-smi shows 81559MiB = 79.65 GiB
    // (vllm-project/vllm#55169); issue 12 measured 79.1. The smallest is kept.
    source: 'https://github.com/vllm-project/vllm/pull/10511',
  },
  h200: {
    name: 'NVIDIA H200 141GB HBM3e',
    memoryGiB: 139.8,
    gresType: 'h200',
    source: 'issue 12 (H200 reports about 139.8 GiB); nvidia-smi 143771MiB',
  },
  'a100-80': {
    name: 'NVIDIA A100-SXM4-80GB',
    memoryGiB: 79.1,
    gresType: 'a100',
    // 80 GiB of HBM2e minus the driver's reservation, as for H100 80GB (nvidia-smi 81920MiB total).
    source: 'nvidia-smi 81920MiB (ollama/ollama#8930 logs 80567 MiB free per A100-SXM4-80GB)',
  },
  'a100-40': {
    name: 'NVIDIA A100-SXM4-40GB',
    memoryGiB: 39.4,
    gresType: 'a100',
    source: 'nvidia-smi 40960MiB; torch reports 39.39 GiB',
  },
  l40s: {
    name: 'NVIDIA L40S',
    memoryGiB: 44.4,
    gresType: 'l40s',
    source: 'nvidia-smi 46068MiB = 44.99 GiB, less the driver reservation (torch reports about 44.4 GiB)',
  },
  b200: {
    name: 'NVIDIA B200',
    memoryGiB: 178.3,
    gresType: 'b200',
    // unslothai/unsloth#3411: "[GPU] NVIDIA B200 ... Total VRAM: 178.35 GB" (torch total_memory in GiB).
    source: 'https://github.com/unslothai/unsloth/issues/3411',
  },
};

export function gpuTypeNames(): string[] {
  return Object.keys(gpuTypes);
}

/** The GPU type of a `gpu-type` setting (case-insensitive); a PlanError naming the known ones otherwise. */
export function getGpuType(name: string): GpuType {
  const type = gpuTypes[name.trim().toLowerCase()];
  if (!type) {
    throw new PlanError(
      `unknown gpu-type '${name}'`,
      `Use one of ${gpuTypeNames().join(', ')}, or set gpu-memory-gib to the memory nvidia-smi reports (MiB / 1024).`,
    );
  }
  return type;
}
