import type { BaselineSpec } from './eval-request';

export class InvalidBaselineError extends Error {
  override name = 'InvalidBaselineError';
  readonly hint =
    "Use 'previous-tag', 'base-revision', 'none', or a fixed model as 'namespace/name@revision'.";
  constructor(readonly text: string) {
    super(`baseline '${text}' is not a baseline rule`);
  }
}

/**
 * Reads the baseline as written in an input or dispatch field: a rule word, or a fixed model
 * `namespace/name@revision` (also accepted as `fixed:namespace/name@revision`). The model id and
 * revision are checked later with the other Hub names.
 */
export function parseBaselineSpec(text: string): BaselineSpec {
  const trimmed = text.trim();
  if (trimmed === 'none' || trimmed === 'previous-tag' || trimmed === 'base-revision') {
    return { kind: trimmed };
  }
  const fixed = trimmed.startsWith('fixed:') ? trimmed.slice('fixed:'.length).trim() : trimmed;
  const at = fixed.lastIndexOf('@');
  if (at <= 0 || at === fixed.length - 1 || !fixed.includes('/')) throw new InvalidBaselineError(text);
  return { kind: 'fixed', model: fixed.slice(0, at), revision: fixed.slice(at + 1) };
}

export function formatBaselineSpec(spec: BaselineSpec): string {
  return spec.kind === 'fixed' ? `${spec.model}@${spec.revision}` : spec.kind;
}
