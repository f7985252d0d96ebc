import { Marked } from 'marked';

/**
 * Markdown to HTML the way GitHub renders a comment (GFM: tables, raw HTML blocks, backslash
 * escapes), so tests read what a reviewer reads instead of the markdown source.
 */
const gfm = new Marked({ gfm: true, breaks: false });

export function toHtml(markdown: string): string {
  return gfm.parse(markdown, { async: false });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/** The visible text of an HTML fragment: tags dropped, entities decoded, whitespace folded. */
export function textOf(html: string): string {
  return (
    html
      // Block elements separate words; inline ones (code, a, strong, sub) do not.
      .replace(
        /<\/?(p|li|ul|ol|tr|td|th|h\d|br|div|summary|details|pre|table|thead|tbody|blockquote)\b[^>]*>/g,
        ' ',
      )
      .replace(/<[^>]+>/g, '')
      .replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ENTITIES[name] ?? '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Every `<table>` as rows of cell texts (header row first). */
export function tablesOf(html: string): string[][][] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((table) =>
    [...(table[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
      [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1] ?? '')),
    ),
  );
}

/** The text of the first `<h2>`: the comment's title. */
export function titleOf(html: string): string {
  return textOf(/<h2[^>]*>([\s\S]*?)<\/h2>/.exec(html)?.[1] ?? '');
}

/** The results table: the one whose header starts with "Benchmark". */
export function resultsTable(html: string): string[][] {
  const table = tablesOf(html).find((t) => t[0]?.[0] === 'Benchmark');
  if (!table) throw new Error(`no results table in:\n${html}`);
  return table;
}

export function jobsTable(html: string): string[][] {
  const table = tablesOf(html).find((t) => t[0]?.[0] === 'Job');
  if (!table) throw new Error(`no jobs table in:\n${html}`);
  return table;
}
