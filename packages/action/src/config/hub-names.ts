/**
 * The Hub's naming rules, as huggingface_hub's `validate_repo_id` states them: `namespace/name`,
 * letters, digits, `-`, `_`, `.`; the name 1–96 characters; neither part starts or ends with `-` or
 * `.`; no `--` or `..`; not ending in `.git`. We require the namespace: un-namespaced ids are legacy
 * aliases (`gpt2`) that the Hub redirects, and a redirect would make results land under another name.
 */
export function hubRepoIdProblem(id: string): string | undefined {
  const parts = id.split('/');
  if (parts.length !== 2) return "must be 'namespace/name' (exactly one '/')";
  const [namespace, name] = parts as [string, string];
  for (const [label, part, max] of [
    ['namespace', namespace, undefined],
    ['name', name, 96],
  ] as const) {
    if (part.length === 0) return `has an empty ${label}`;
    if (max !== undefined && part.length > max) return `has a ${label} longer than ${max} characters`;
    if (!/^[A-Za-z0-9_.-]+$/.test(part))
      return `may only use letters, digits, '-', '_' and '.' in the ${label}`;
    if (/^[-.]|[-.]$/.test(part)) return `must not start or end the ${label} with '-' or '.'`;
  }
  if (id.includes('--') || id.includes('..')) return "must not contain '--' or '..'";
  if (id.endsWith('.git')) return "must not end with '.git'";
  return undefined;
}

/**
 * A Hub revision is a branch, a tag, a commit sha or `refs/pr/N`: a git ref name, so git's
 * check-ref-format rules apply. We are stricter than git on characters (letters, digits and
 * `. _ - / +` only), so a revision is inert in paths, URLs, job names and shell lines alike.
 */
export function hubRevisionProblem(revision: string): string | undefined {
  if (revision.length === 0) return 'is empty';
  if (revision.length > 255) return 'is longer than 255 characters';
  if (!/^[A-Za-z0-9._/+-]+$/.test(revision)) {
    return "may only use letters, digits and '.', '_', '-', '/', '+'";
  }
  if (revision.includes('..')) return "must not contain '..'";
  if (revision.includes('//') || revision.startsWith('/') || revision.endsWith('/')) {
    return "must not start or end with '/' or contain '//'";
  }
  if (revision.startsWith('-')) return "must not start with '-'";
  if (revision.endsWith('.') || revision.endsWith('.lock')) return "must not end with '.' or '.lock'";
  if (revision.split('/').some((c) => c.startsWith('.'))) return "must not have a part starting with '.'";
  return undefined;
}
