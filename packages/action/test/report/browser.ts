import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium, headless, with nothing that reaches the network and a fresh profile per
 * launch: the comment and its Mermaid chart are rendered as a reader's browser renders them.
 * Install with `apt-get install chromium` (scripts/test-all.sh does).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const require = createRequire(import.meta.url);
/** Mermaid's browser bundle, from the npm package (the same library GitHub renders with). */
export const MERMAID_BUNDLE = require.resolve('mermaid/dist/mermaid.min.js');

export interface RenderBrowser {
  page: () => Promise<Page>;
  close: () => Promise<void>;
}

export async function launchBrowser(): Promise<RenderBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'model-eval-chromium-'));
  let context: BrowserContext;
  try {
    // Playwright passes the fresh profile as --user-data-dir itself.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1000, height: 800 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw Object.assign(new Error(`Chromium did not start from ${CHROMIUM}: ${(error as Error).message}`), {
      hint: 'Install it with `apt-get install -y chromium` or set CHROMIUM_PATH.',
    });
  }
  return {
    page: async () => {
      const page = await context.newPage();
      // Nothing leaves the machine: the page gets only what the test puts into it.
      await page.route('**/*', (route) =>
        route.request().url().startsWith('data:') ? route.continue() : route.abort(),
      );
      return page;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Renders one Mermaid diagram source into the page and returns its SVG markup. */
export async function renderMermaid(page: Page, source: string): Promise<string> {
  await page.setContent(
    '<!doctype html><html><body style="background:#fff"><div id="out"></div></body></html>',
  );
  await page.addScriptTag({ path: MERMAID_BUNDLE });
  return page.evaluate(async (text) => {
    const mermaid = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
    mermaid.initialize({ startOnLoad: false });
    const { svg } = await mermaid.render('chart', text);
    // The project compiles without DOM types: the page's document is typed by what is used.
    const { document } = globalThis as unknown as BrowserGlobals;
    const out = document.getElementById('out');
    if (out) out.innerHTML = svg;
    return svg;
  }, source);
}

interface MermaidApi {
  initialize: (config: Record<string, unknown>) => void;
  render: (id: string, text: string) => Promise<{ svg: string }>;
}

/** The few browser globals used inside `page.evaluate` (the tsconfig has no DOM library). */
export interface BrowserGlobals {
  document: { getElementById: (id: string) => { innerHTML: string } | null };
}

/** What a reader sees of a rendered comment. */
export interface RenderedComment {
  /** `innerText` of the comment: only what is displayed (collapsed `<details>` bodies are not). */
  visibleText: string;
  /** Every text of the page, collapsed parts included. */
  allText: string;
  /** Mermaid blocks turned into charts; the rest failed to render. */
  charts: number;
  chartErrors: string[];
  /** Table rows laid out as rows (a broken table shows up as a paragraph of pipes instead). */
  tableRows: number;
}

/** A little of GitHub's comment styling, so a screenshot looks like the comment does. */
const GITHUB_CSS = `
  body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; background: #fff; margin: 24px; max-width: 900px; }
  table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
  th { background: #f6f8fa; } blockquote { border-left: 4px solid #9a6700; margin: 0; padding: 0 12px; color: #59636e; }
  pre { background: #f6f8fa; padding: 8px; overflow: auto; } code { background: #eff1f3; padding: 1px 4px; }
`;

/**
 * Puts the HTML of a comment (from `toHtml`) into the page, renders its Mermaid blocks as GitHub
 * does, saves a full-page screenshot to `screenshotPath`, and reports what is visible.
 */
export async function renderComment(
  page: Page,
  html: string,
  screenshotPath: string,
): Promise<RenderedComment> {
  await page.setContent(
    `<!doctype html><html><head><style>${GITHUB_CSS}</style></head><body>${html}</body></html>`,
  );
  await page.addScriptTag({ path: MERMAID_BUNDLE });
  const rendered = await page.evaluate(async () => {
    const globals = globalThis as unknown as CommentGlobals;
    globals.mermaid.initialize({ startOnLoad: false });
    let charts = 0;
    const chartErrors: string[] = [];
    const blocks = globals.document.querySelectorAll('pre > code.language-mermaid');
    for (let i = 0; i < blocks.length; i++) {
      const code = blocks[i] as CommentElement;
      try {
        const { svg } = await globals.mermaid.render(`chart${i}`, code.textContent ?? '');
        const pre = code.parentElement as CommentElement;
        pre.outerHTML = `<div class="chart">${svg}</div>`;
        charts += 1;
      } catch (error) {
        chartErrors.push(String(error));
      }
    }
    const body = globals.document.body;
    return {
      // innerText on purpose: it is the rendered text, without collapsed <details> bodies.
      // biome-ignore lint/performance/useDomNodeTextContent: what is displayed is the point
      visibleText: body.innerText,
      allText: body.textContent ?? '',
      charts,
      chartErrors,
      tableRows: globals.document.querySelectorAll('table tr').length,
    };
  });
  await page.screenshot({ path: screenshotPath, fullPage: true });
  return rendered;
}

interface CommentElement {
  textContent: string | null;
  innerText: string;
  outerHTML: string;
  parentElement: CommentElement | null;
}

interface CommentGlobals {
  mermaid: MermaidApi;
  document: {
    body: CommentElement;
    querySelectorAll: (selector: string) => { length: number; [index: number]: CommentElement };
  };
}
