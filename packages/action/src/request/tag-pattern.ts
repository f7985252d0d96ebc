/**
 * Tag patterns use the syntax of GitHub's own `on.push.tags` filters, so a pattern means the same in
 * the workflow file and in the config: `*` matches any run of characters except `/`, `**` any run
 * including `/`, `?` makes the preceding character optional, `+` repeats it, `[0-9]` is a class, and
 * `\` escapes. (Unlike shell globs, `?` is not "any one character".)
 */
export function tagPatternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i] as string);
    } else if (char === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?' || char === '+') {
      source += char;
    } else if (char === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) throw new Error(`tag pattern '${pattern}': '[' without a closing ']'`);
      source += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else {
      source += escapeRegExp(char);
    }
  }
  return new RegExp(`^(?:${source})$`);
}

export function matchesTagPattern(tag: string, pattern: string): boolean {
  return tagPatternToRegExp(pattern).test(tag);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The Hub revision to evaluate for a tag: `{tag}` is the tag, `{version}` the tag without a leading
 * `v`. The default template `{tag}` suits teams that tag the Hub model repo like the code repo.
 */
export function revisionForTag(tag: string, template: string): string {
  const version = tag.startsWith('v') ? tag.slice(1) : tag;
  return template.replaceAll('{tag}', tag).replaceAll('{version}', version);
}

/**
 * Whether a Hub revision is one that a release tag matching `pattern` maps to through `template`
 * (`{tag}` → the tag itself, `{version}` → the tag without its `v`, with any fixed text around).
 * Used to find the previous release among recorded revisions.
 */
export function isReleaseRevision(revision: string, pattern: string, template: string): boolean {
  const matcher = tagPatternToRegExp(pattern);
  const [before = '', after = ''] = template.split(/\{tag\}|\{version\}/);
  if (!revision.startsWith(before) || !revision.endsWith(after)) return false;
  const core = revision.slice(before.length, revision.length - after.length);
  return [core, `v${core}`].some((tag) => matcher.test(tag) && revisionForTag(tag, template) === revision);
}
