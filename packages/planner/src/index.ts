export {
  type Benchmark,
  benchmarkCatalog,
  defaultBenchmarkNames,
  getBenchmark,
  lightevalTaskString,
  suiteFor,
  UnknownBenchmarkError,
} from './catalog';
export { loadModelFacts, ModelFactsError, type ModelFactsSource } from './hub-reader';
export { buildLightevalArgs, type LightevalCommand, type LightevalCommandInput } from './lighteval-args';
export {
  DEFAULT_LIGHTEVAL_VERSION,
  hasUseChatTemplateFlag,
  type LightevalVersion,
  lightevalAtLeast,
  modelNameKey,
  parseLightevalVersion,
  type TaskSyntax,
  taskSyntaxFor,
  UnsupportedLightevalVersionError,
} from './lighteval-version';
export { kvBytesPerTokenPerGpu, type MemoryPerGpu, memoryModel, memoryPerGpu } from './memory';
export {
  type MlaConfig,
  type ModelConfig,
  ModelConfigError,
  type MoeConfig,
  parseModelConfig,
  type QuantizationConfig,
} from './model-config';
export {
  buildModelFacts,
  estimateParameters,
  type ModelFacts,
  type ParameterSource,
  weightsFromCounts,
  weightsFromTotalSize,
} from './model-facts';
export {
  candidateLayouts,
  type ModelParallelLayout,
  tensorParallelProblem,
  validTensorParallelSizes,
} from './parallelism';
export {
  type ClusterShape,
  DEFAULT_GPU_MEMORY_UTILIZATION,
  DEFAULT_OUTPUT_DIR,
  type EvalPlan,
  type MemoryBreakdownGiB,
  nextLargerPlan,
  type PlanInput,
  type PlannedJob,
  planEvaluation,
} from './plan';
export { PlanError } from './plan-error';
export { type PlanJson, planToJson, renderPlanText } from './render';
