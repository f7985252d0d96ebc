export { knownModelTypes, transformersDefaults, vllmArchitectures } from './architectures';
export {
  type Benchmark,
  type BenchmarkIdentity,
  benchmarkCatalog,
  benchmarkIdentity,
  type CatalogBenchmark,
  defaultBenchmarkNames,
  findBenchmark,
  getBenchmark,
  lightevalTaskString,
  type MetricFamily,
  type SamplesPlan,
  samplesPlanFor,
  suiteFor,
  UnknownBenchmarkError,
} from './catalog';
export {
  assumedTokensPerSecondPerGpu,
  costLine,
  type JobCost,
  jobCost,
  THROUGHPUT_ASSUMPTION,
} from './cost';
export { fetchInputUrl, fetchWithDeadline } from './fetch-deadline';
export { type GpuType, getGpuType, gpuTypeNames, gpuTypes } from './gpu-types';
export {
  DEFAULT_HUB_READ_TIMEOUT_MS,
  isLocalPath,
  loadModelFacts,
  ModelFactsError,
  type ModelFactsSource,
} from './hub-reader';
export {
  buildLightevalArgs,
  DEFAULT_LIGHTEVAL_CACHE_DIR,
  generationParametersArg,
  LIGHTEVAL_DEFAULT_SEED,
  type LightevalCommand,
  type LightevalCommandInput,
  lightevalModelArgValue,
  MAX_SEEDS,
  type SamplesCost,
  samplesCost,
  samplingSeeds,
} from './lighteval-args';
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
export {
  cachedTokens,
  kvBytesPerSequencePerGpu,
  kvBytesPerTokenPerGpu,
  type MemoryPerGpu,
  memoryModel,
  memoryPerGpu,
  runtimePaddingBytes,
  stageLayerRanges,
} from './memory';
export {
  type AttentionKind,
  type LayerSpec,
  type MlaConfig,
  type ModelConfig,
  ModelConfigError,
  type MoeConfig,
  nasIntermediateSize,
  parseModelConfig,
  type QuantizationConfig,
  resolveTextConfig,
} from './model-config';
export {
  buildModelFacts,
  estimatedWeights,
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
  type PlannedServer,
  planEvaluation,
  type ThroughputSettings,
  throughputSettings,
} from './plan';
export { PlanError } from './plan-error';
export {
  bytesPerParameter,
  type ParameterBreakdown,
  parameterBreakdown,
  type WeightGroup,
} from './quantization';
export { type PlanJson, planToJson, renderPlanText } from './render';
export {
  type EndpointFacts,
  endpointFactsFor,
  lightevalVllmPins,
  pinnedVllmFallsBackToRay,
  pinnedVllmLacksMpMultiNode,
  type Source,
  type VllmPin,
  vllmMultiNode,
  vllmPinFor,
} from './route-facts';
export {
  chooseRoute,
  type MultiNodeEngine,
  multiNodeEngines,
  type Route,
  type RouteChoice,
  type RouteRequest,
  type RouteSetting,
  routeSettings,
} from './routes';
export {
  buildServeCommand,
  DEFAULT_SERVE_PORT,
  SERVE_API_KEY_PLACEHOLDER,
  SERVE_HOST,
  type ServeCommand,
} from './serve-args';
