/**
 * Text from outside (log lines, Slurm reasons, error messages, metric names and task keys from a
 * results file, a revision typed on the command line) goes out through these functions only: one per
 * sink, so it can neither inject markdown/HTML, nor notify anyone, nor move a terminal's cursor.
 *
 * | sink | function |
 * | --- | --- |
 * | markdown text and table cells | `escapeInline` |
 * | markdown code span (metric names, model paths, revisions) | `escapeCodeSpan` |
 * | HTML `<pre>` block (log tails) | `escapePreformatted` |
 * | a terminal (CLI output of cluster strings) | `escapeTerminal` |
 * | the Actions runner log (`core.info`/`core.warning`) | `escapeWorkflowLog` |
 */

const ZERO_WIDTH_SPACE = '\u200b';

// ANSI escapes (CSI and OSC) and C0/C1 control characters except tab and newline: noise in a log, and
// a way to hide text. Also the bidirectional overrides and isolates ("Trojan Source"), which reorder
// what a reader sees.
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

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

/**
 * For a markdown code span (`` `name` ``), also inside a table cell. A code span shows its content
 * literally, but a backtick ends it, a newline can end the paragraph (and the table), and GFM splits
 * table cells on `|` even inside code: so controls go, line breaks become spaces, backticks become
 * the look-alike U+02CB, and `|` is escaped (GFM's table parser takes `\|` as a literal pipe).
 */
export function escapeCodeSpan(text: string): string {
  const oneLine = text.replace(CONTROL, '').replace(/\r\n?|\n|[\u2028\u2029]/g, ' ');
  const inert = oneLine.replace(/`/g, '\u02cb').replace(/\|/g, '\\|');
  return `\`${inert.trim() === '' ? '\u00a0' : inert}\``;
}

/**
 * For a terminal: escape sequences could recolour, retitle or rewrite what the user sees (or, on
 * some terminals, answer back). Control characters other than newline and tab are shown as `\xNN`
 * so they stay visible; with `oneLine`, newlines too.
 */
export function escapeTerminal(text: string, options: { oneLine?: boolean } = {}): string {
  const pattern = options.oneLine
    ? // biome-ignore lint/suspicious/noControlCharactersInRegex: showing control characters is the point
      /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
    : // biome-ignore lint/suspicious/noControlCharactersInRegex: showing control characters is the point
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  return text.replace(pattern, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * For the Actions runner's log (`core.info`, `core.warning`): the runner reads any line that starts
 * with `::` as a workflow command (`::error::`, `::add-mask::`, `::stop-commands::`), so a Slurm
 * reason or a log line from the cluster could forge annotations or stop command processing. Such
 * lines get a zero-width space between the colons; controls are shown as in `escapeTerminal`.
 */
export function escapeWorkflowLog(text: string): string {
  return escapeTerminal(text).replace(/^(\s*):(?=:)/gm, `$1:${ZERO_WIDTH_SPACE}`);
}
