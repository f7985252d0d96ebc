export {
  type Benchmark,
  benchmarkCatalog,
  defaultBenchmarkNames,
  getBenchmark,
  lightevalTaskString,
  UnknownBenchmarkError,
} from './catalog';
export {
  DEFAULT_LIGHTEVAL_VERSION,
  hasUseChatTemplateFlag,
  type LightevalVersion,
  parseLightevalVersion,
  type TaskSyntax,
  taskSyntaxFor,
  UnsupportedLightevalVersionError,
} from './lighteval-version';
