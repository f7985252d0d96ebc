import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  mergeSeedRows,
  type ResultRow,
  readPerProblemScores,
  samplesThatRan,
  seedSpread,
} from '../../src/results';
import { countWhatRan } from '../../src/run/collect-results';
import { scoreInterval } from '../../src/stats';

const METRIC = 'pass@k:k=1&n=4';

function row(overrides: Partial<ResultRow>): ResultRow {
  return {
    benchmark: 'math_500',
    task: 'math_500|0',
    metric: METRIC,
    value: 0.5,
    stderr: 0.02,
    samples: 4,
    problems: 3,
    lightevalVersion: '0.13.0',
    notes: [],
    file: '/run/j0/results.json',
    timestamp: '2026-01-01T00-00-00.000001',
    ...overrides,
  };
}

/** Correct answers per problem of one seed's job (4 samples each), as a details file would hold them. */
const SEEDS = [
  { seed: 1234, timestamp: '2026-01-01T00-00-01.000001', correct: [4, 2, 0] },
  { seed: 1235, timestamp: '2026-01-01T00-00-02.000002', correct: [3, 2, 1] },
  { seed: 1236, timestamp: '2026-01-01T00-00-03.000003', correct: [4, 1, 0] },
];

async function writeSeedDetails(dir: string): Promise<void> {
  for (const s of SEEDS) {
    const folder = path.join(dir, `j${s.seed}`, 'details', 'model', s.timestamp);
    await mkdir(folder, { recursive: true });
    const lines = s.correct.map((c, i) =>
      JSON.stringify({
        doc: { id: `p${i}`, query: `problem ${i}` },
        model_response: { text: ['a', 'b', 'c', 'd'] },
        metric: { [METRIC]: c / 4 },
      }),
    );
    await writeFile(path.join(folder, `details_math_500|0_${s.timestamp}.jsonl`), `${lines.join('\n')}\n`);
  }
}

const seededRows = () =>
  SEEDS.map((s) => ({
    seed: s.seed,
    row: row({
      value: s.correct.reduce((a, b) => a + b, 0) / 12,
      file: `/run/j${s.seed}/results_${s.timestamp}.json`,
      timestamp: s.timestamp,
    }),
  }));

describe('merging the jobs of a seeds run', () => {
  it('makes one row per benchmark: the seeds’ mean, their samples added, each seed kept in order', () => {
    const merged = mergeSeedRows([...seededRows()].reverse());
    expect(merged).toHaveLength(1);
    const [only] = merged;
    // By hand: (6 + 6 + 5) / 36 correct generations.
    expect(only?.value).toBeCloseTo(17 / 36, 12);
    expect(only?.samples).toBe(12);
    expect(only?.stderr).toBeCloseTo(0.02, 12);
    expect(only?.seedRuns?.map((s) => s.seed)).toEqual([1234, 1235, 1236]);
    expect(only?.file).toBe(`/run/j1234/results_${SEEDS[0]?.timestamp}.json`);
  });

  it('leaves rows without a seed as they are, and says which seed has no score', () => {
    const plain = row({});
    expect(mergeSeedRows([{ row: plain }])).toEqual([plain]);
    const rows = seededRows();
    const first = rows[0];
    if (first) first.row.value = null;
    const [merged] = mergeSeedRows(rows);
    expect(merged?.value).toBeNull();
    expect(merged?.notes.join()).toMatch(/no score for seed\(s\) 1234/);
  });

  it('reads every seed’s details into one list; problems and samples count per problem', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seeds-'));
    await writeSeedDetails(dir);
    const [merged] = mergeSeedRows(seededRows());
    if (!merged) throw new Error('no row');
    const scores = (await readPerProblemScores(dir, [merged])).get('math_500') ?? [];
    expect(scores).toHaveLength(9);
    expect(samplesThatRan(scores)).toEqual({ problems: 3, samples: 12, minSamples: 12, maxSamples: 12 });
    // The interval is over problems: each problem's mean over its 12 generations, computed by hand.
    const byHand = scoreInterval([
      { problem: 'p0', score: 11 / 12, samples: 12 },
      { problem: 'p1', score: 5 / 12, samples: 12 },
      { problem: 'p2', score: 1 / 12, samples: 12 },
    ]);
    expect(scoreInterval(scores)).toEqual(byHand);
    expect(byHand?.value).toBeCloseTo(17 / 36, 12);
    // What ran, from the details: each seed its own 4, the row all 12 (the metric name says neither).
    // As the metric name (`n=1` from 0.11) would have them before the details are read.
    const stale = structuredClone(merged);
    stale.samples = 3;
    for (const run of stale.seedRuns ?? []) run.samples = 1;
    const counted = { results: [stale], localResultsDir: dir };
    await countWhatRan(counted);
    expect(counted.results[0]?.seedRuns?.map((s) => s.samples)).toEqual([4, 4, 4]);
    expect([counted.results[0]?.problems, counted.results[0]?.samples]).toEqual([3, 12]);
    // One seed's details missing: no per-problem scores rather than a score over some seeds.
    const lost = {
      ...merged,
      seedRuns: [...(merged.seedRuns ?? []), { ...merged.seedRuns?.[0], seed: 1237, timestamp: 'x' }],
    };
    expect((await readPerProblemScores(dir, [lost as ResultRow])).has('math_500')).toBe(false);
  });

  it('spread: the sample standard deviation and range of the seeds’ scores, by hand', () => {
    const spread = seedSpread([{ value: 0.5 }, { value: 0.6 }, { value: 0.7 }]);
    expect(spread?.sd).toBeCloseTo(0.1, 12);
    expect([spread?.min, spread?.max]).toEqual([0.5, 0.7]);
    expect(seedSpread([{ value: 0.5 }, { value: null }])).toBeNull();
  });
});
