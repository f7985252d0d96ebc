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
