import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunReport, renderReport } from '../../src/report';
import { launchBrowser, type RenderBrowser, renderComment } from './browser';
import { toHtml } from './github-render';
import {
  baseReport,
  checkpointReport,
  failedReport,
  oomReplanReport,
  regressionReport,
} from './report-fixtures';

/**
 * The comment rendered as GitHub renders it (GFM → HTML, Mermaid blocks drawn) in headless
 * Chromium. Screenshots land in MODEL_EVAL_SCREENSHOTS (default: the system temp directory) for a
 * person to look at; the assertions read what is displayed.
 */
const screenshots = process.env.MODEL_EVAL_SCREENSHOTS ?? join(tmpdir(), 'model-eval-screenshots');
mkdirSync(screenshots, { recursive: true });

async function show(browser: RenderBrowser, name: string, report: RunReport) {
  const page = await browser.page();
  const rendered = await renderComment(page, toHtml(renderReport(report)), join(screenshots, `${name}.png`));
  await page.close();
  // Nothing of the markdown source leaks into what a reader sees.
  expect(rendered.visibleText).not.toMatch(/\\[-_()[\]+|]|^\|.*\|$|```|<details>|&lt;/m);
  expect(rendered.chartErrors).toEqual([]);
  return rendered;
}

describe('the comment in a browser', () => {
  let browser: RenderBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('success with a baseline: verdict first, the table laid out, run facts collapsed', async () => {
    const shown = await show(browser, 'success-with-baseline', baseReport());
    const lines = shown.visibleText.split('\n').filter((l) => l.trim() !== '');
    expect(lines[0]).toBe('≈ no significant change — deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B @ v1.1.0');
    expect(shown.visibleText).toContain(
      'MATH-500\t500 × 1\t84.0 ± 3.2\t80.0\t+4.0 [−0.8, +8.8]\t≈ within noise',
    );
    expect(shown.visibleText).toContain('Run: 2 job attempts, 20.00 GPU-hours');
    // Collapsed: the job table is in the page but not displayed.
    expect(shown.visibleText).not.toContain('TP / PP / DP');
    expect(shown.allText).toContain('TP / PP / DP');
    expect(shown.tableRows).toBe(3 + 3);
  });

  it('a regression', async () => {
    const shown = await show(browser, 'regression', regressionReport());
    expect(shown.visibleText.trimStart()).toMatch(/^🔻 1 regression — /);
    expect(shown.visibleText).toMatch(
      /MATH-500\t500 × 1\t70\.0 ± 4\.0\t84\.0\t−14\.0 \[[^\]]+\]\t🔻 regressed/,
    );
  });

  it('a failed job: why in one line, the log tail behind a click', async () => {
    const shown = await show(browser, 'failed-job', failedReport());
    expect(shown.visibleText.trimStart()).toMatch(
      /^❌ failed: AIME 2024 \(job 7\): GPU out of memory, exit code 1 — /,
    );
    expect(shown.visibleText).toContain('Log tail (last 2 lines)');
    expect(shown.visibleText).not.toContain('Tried to allocate');
    expect(shown.allText).toContain('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB');
  });

  it('OOM re-plans: the attempts are in the run facts, their GPU-hours in the summary line', async () => {
    const shown = await show(browser, 'oom-replans', oomReplanReport());
    expect(shown.visibleText).toContain('Run: 3 job attempts, ≥ 8.50 GPU-hours');
    expect(shown.allText).toContain('301 (attempt 1 of 3)');
    expect(shown.allText).toContain('302 (attempt 2 of 3)');
  });

  it('a checkpoint series: one chart drawn, with its legend', async () => {
    const shown = await show(browser, 'checkpoint-series', checkpointReport());
    expect(shown.charts).toBe(1);
    expect(shown.visibleText).toContain('Scores by training step');
    expect(shown.visibleText).toContain('🟦 MATH-500 · 🟧 AIME 2024 — flat lighter lines: baseline (v1.0.0)');
  });
});
