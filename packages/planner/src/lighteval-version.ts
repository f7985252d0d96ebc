/**
 * LightEval changed its command line twice in ways that make a wrong guess fail (or, worse, run
 * with silently different settings), so every version-dependent choice goes through here.
 */

/** The newest LightEval line we generate commands for. */
export const DEFAULT_LIGHTEVAL_VERSION = '0.13.0';

/**
 * Task strings, as each release's registry parses them (`src/lighteval/tasks/registry.py` at the tag):
 * - `suite-task-fewshot-truncate`: `lighteval|math_500|0|0` (0.8.0 – 0.10.0; any other form is refused)
 * - `suite-task-fewshot`: `lighteval|math_500|0` (0.11.0 – 0.12.0; 4 parts still accepted with a
 *   deprecation warning)
 * - `task-fewshot`: `math_500|0` (0.12.1 on: the registry is keyed by task name; 3 parts are accepted
 *   with a warning and the suite ignored, 4 parts fail as an unknown task)
 */
export type TaskSyntax = 'suite-task-fewshot-truncate' | 'suite-task-fewshot' | 'task-fewshot';

export interface LightevalVersion {
  major: number;
  minor: number;
  patch: number;
  /** As the user wrote it, for messages. */
  text: string;
}

export class UnsupportedLightevalVersionError extends Error {
  override name = 'UnsupportedLightevalVersionError';
  readonly hint: string;
  constructor(text: string, why: string) {
    super(`LightEval version '${text}' is not supported: ${why}`);
    this.hint = 'Use a LightEval version from 0.8.0 on (e.g. --lighteval-version 0.13.0).';
  }
}

export function parseLightevalVersion(text: string): LightevalVersion {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[.+-].*)?$/.exec(text.trim());
  if (!match) throw new UnsupportedLightevalVersionError(text, 'expected MAJOR.MINOR[.PATCH]');
  const version = {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
    text: text.trim(),
  };
  if (version.major === 0 && version.minor < 8) {
    throw new UnsupportedLightevalVersionError(
      text,
      'versions before 0.8 have a different vllm model config',
    );
  }
  return version;
}

/** Compares with MAJOR.MINOR.PATCH: the task grammar changed in a patch release (0.12.1). */
export function lightevalAtLeast(
  version: LightevalVersion,
  major: number,
  minor: number,
  patch = 0,
): boolean {
  if (version.major !== major) return version.major > major;
  if (version.minor !== minor) return version.minor > minor;
  return version.patch >= patch;
}

const atLeast = lightevalAtLeast;

export function taskSyntaxFor(version: LightevalVersion): TaskSyntax {
  if (atLeast(version, 0, 12, 1)) return 'task-fewshot';
  if (atLeast(version, 0, 11)) return 'suite-task-fewshot';
  return 'suite-task-fewshot-truncate';
}

/** `--use-chat-template` and `--system-prompt` were removed in 0.11 (chat templates became the default). */
export function hasUseChatTemplateFlag(version: LightevalVersion): boolean {
  return !atLeast(version, 0, 11);
}

/**
 * The vllm model-config key naming the model: `pretrained` in 0.8 (a dataclass: an unknown key is a
 * `TypeError`), `model_name` from 0.9 (pydantic with `extra="forbid"`: an unknown key is a ValidationError).
 */
export function modelNameKey(version: LightevalVersion): 'pretrained' | 'model_name' {
  return atLeast(version, 0, 9) ? 'model_name' : 'pretrained';
}
