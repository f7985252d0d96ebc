/**
 * LightEval changed its command line twice in ways that make a wrong guess fail (or, worse, run
 * with silently different settings), so every version-dependent choice goes through here.
 */

/** The newest LightEval line we generate commands for. */
export const DEFAULT_LIGHTEVAL_VERSION = '0.13.0';

/**
 * - `suite-task-fewshot-truncate`: `lighteval|math_500|0|0` (0.8 – 0.10)
 * - `suite-task-fewshot`: `lighteval|math_500|0` (0.11 – 0.12)
 * - `task-fewshot`: `math_500|0` (0.13 and later; the suite prefix is gone)
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

function atLeast(version: LightevalVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

export function taskSyntaxFor(version: LightevalVersion): TaskSyntax {
  if (atLeast(version, 0, 13)) return 'task-fewshot';
  if (atLeast(version, 0, 11)) return 'suite-task-fewshot';
  return 'suite-task-fewshot-truncate';
}

/** `--use-chat-template` and `--system-prompt` were removed in 0.11 (chat templates became the default). */
export function hasUseChatTemplateFlag(version: LightevalVersion): boolean {
  return !atLeast(version, 0, 11);
}

/** The vllm model-config key naming the model: `pretrained` until 0.8, `model_name` from 0.9 (which rejects unknown keys). */
export function modelNameKey(version: LightevalVersion): 'pretrained' | 'model_name' {
  return atLeast(version, 0, 9) ? 'model_name' : 'pretrained';
}
