import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cardConfigs, renderDatasetCard, type SummaryRecord } from '../../src/hub';
import { NO_BASELINE } from './summary-fixtures';

function row(overrides: Partial<SummaryRecord>): SummaryRecord {
  return {
    model: 'org/model',
    revision: 'main',
    commit_sha: null,
    benchmark: 'aime24',
    metric: 'pass@k:k=1&n=1',
    problems: 30,
    samples: 1,
    score: 0.3,
    stderr: 0.08,
    ci_low: 0.14,
    ci_high: 0.46,
    ...NO_BASELINE,
    lighteval_version: '0.13.0',
    vllm_version: null,
    gpu_hours: 1,
    job_id: '1',
    run_url: null,
    finished_at: '2026-01-01T00:00:00Z',
    run_id: 'r1',
    step: null,
    simulated: false,
    task: 'aime24|0',
    results_file: 'org/model/main/aime24/results_2026-01-01T00-00-00.000000.json',
    details_file: 'org/model/main/aime24/details_2026-01-01T00-00-00.000000.parquet',
    ...overrides,
  };
}

const front = (card: string) =>
  parse(/^---\n([\s\S]*?)\n---\n/.exec(card)?.[1] ?? '') as Record<string, unknown>;

describe('the dataset card', () => {
  it('details configs: latest first, then one split per run newest first, split names datasets accepts', () => {
    const configs = cardConfigs([
      row({}),
      row({
        revision: 'feat/x',
        finished_at: '2026-02-01T00:00:00Z',
        details_file: 'org/model/feat_x/aime24/details_2026-02-01T00-00-00.000000.parquet',
      }),
      row({ benchmark: 'gpqa:diamond', details_file: null }),
    ]);
    expect(configs.map((c) => c.config_name)).toEqual(['summary', 'details_aime24']);
    expect(configs[1]?.data_files).toEqual([
      { split: 'latest', path: 'org/model/feat_x/aime24/details_2026-02-01T00-00-00.000000.parquet' },
      {
        split: 'org__model__feat_x__2026_02_01T00_00_00_000000',
        path: 'org/model/feat_x/aime24/details_2026-02-01T00-00-00.000000.parquet',
      },
      {
        split: 'org__model__main__2026_01_01T00_00_00_000000',
        path: 'org/model/main/aime24/details_2026-01-01T00-00-00.000000.parquet',
      },
    ]);
  });

  it("keeps the user's YAML keys, their own configs (not default any more) and their text outside the block", () => {
    const theirs = [
      '---',
      'license: apache-2.0',
      'configs:',
      '- config_name: mine',
      '  default: true',
      '  data_files: mine.csv',
      '- config_name: summary',
      '  data_files: stale.parquet',
      '---',
      '',
      '# Our evals',
      '',
      'Hand-written intro.',
      '',
    ].join('\n');
    const first = renderDatasetCard(theirs, 'org/evals', [row({})]);
    const meta = front(first);
    expect(meta.license).toBe('apache-2.0');
    expect((meta.configs as { config_name: string }[]).map((c) => c.config_name)).toEqual([
      'summary',
      'details_aime24',
      'mine',
    ]);
    expect((meta.configs as Record<string, unknown>[])[2]).toEqual({
      config_name: 'mine',
      data_files: 'mine.csv',
    });
    expect(first).toContain('Hand-written intro.');
    // Updating again replaces the block, never stacks a second one.
    const second = renderDatasetCard(first, 'org/evals', [row({}), row({ run_id: 'r2', score: 0.5 })]);
    expect(second.match(/model-eval-action:begin/g)).toHaveLength(1);
    expect(second).toContain('Hand-written intro.');
    expect(renderDatasetCard(second, 'org/evals', [row({}), row({ run_id: 'r2', score: 0.5 })])).toBe(second);
  });

  it('a first card has a title, the load snippet and the latest score per model and benchmark', () => {
    const card = renderDatasetCard(null, 'org/evals', [
      row({ score: 0.2 }),
      row({ finished_at: '2026-03-01T00:00:00Z', score: 0.4, run_id: 'r2' }),
    ]);
    expect(card).toMatch(/^---\nconfigs:/);
    expect(card).toContain('# org/evals');
    expect(card).toContain('load_dataset("org/evals", "summary", split="train")');
    expect(card).toContain('| org/model | main | aime24 | 40.0% | 2026-03-01T00:00:00Z |');
    expect(card).not.toContain('20.0%');
  });
});
