/**
 * Text from outside (log lines, Slurm reasons, error messages) goes into the comment through these
 * functions only, so it can neither inject markdown/HTML nor notify anyone.
 */

const ZERO_WIDTH_SPACE = '\u200b';

// ANSI escapes and C0/C1 control characters except tab and newline: noise in a log, and a way to hide text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /\u001b\[[0-9;?]*[ -/]*[@-~]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `@name` would notify a user or team; a zero-width space after `@` keeps the text and breaks the mention. */
function defuseMentions(text: string): string {
  return text.replace(/@/g, `@${ZERO_WIDTH_SPACE}`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** For a `<pre>` block: the content is raw HTML there, so entities are enough to keep it inert. */
export function escapePreformatted(text: string): string {
  return defuseMentions(escapeHtml(text.replace(CONTROL, '')));
}

/** For inline markdown, including table cells: one line, every markdown and HTML metacharacter escaped. */
export function escapeInline(text: string): string {
  const oneLine = text.replace(CONTROL, '').replace(/\r?\n/g, ' ');
  const escaped = escapeHtml(oneLine).replace(/[\\`*_{}[\]()#+\-!|~]/g, (ch) => `\\${ch}`);
  return defuseMentions(escaped);
}
