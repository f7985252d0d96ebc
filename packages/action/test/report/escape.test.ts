import { describe, expect, it } from 'vitest';
import { createRandom, generateHostileString } from '../../../slurm/test/generated-strings';
import {
  escapeCodeSpan,
  escapeInline,
  escapePreformatted,
  escapeTerminal,
  escapeWorkflowLog,
  type RunReport,
  renderReport,
} from '../../src/report';

// Hand-picked attacks, then thousands of generated strings (quotes, backticks, newlines, `$()`, Unicode).
const ATTACKS = [
  'x`\n\n<img src=x onerror=alert(1)>\n\n| a | b |\n`',
  'pass@1\n## Approved by @octocat\n[click](https://evil.example)',
  '`` ` ``',
  'a|b|c',
  '\u202eevil\u202c',
  '\u001b[2J\u001b]0;pwned\u0007title',
  '\r\n\u2028\u2029',
  '',
  ' ',
];
const random = createRandom(17);
const HOSTILE = [...ATTACKS, ...Array.from({ length: 3000 }, () => generateHostileString(random))];
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('one escaping function per sink, fuzzed with hostile strings', () => {
  it('escapeCodeSpan: one code span on one line, no early end, no bare table pipe, no controls', () => {
    for (const text of HOSTILE) {
      const out = escapeCodeSpan(text);
      expect(out.startsWith('`') && out.endsWith('`')).toBe(true);
      expect(out.slice(1, -1)).not.toContain('`');
      expect(out).not.toMatch(/[\r\n\u2028\u2029]/);
      expect(out).not.toMatch(/(^|[^\\])\|/);
      expect(out).not.toMatch(CONTROLS);
    }
  });

  it('escapeInline: one line, every markdown/HTML metacharacter escaped, no live mention', () => {
    for (const text of HOSTILE) {
      const out = escapeInline(text);
      expect(out).not.toMatch(/[\r\n]/);
      expect(out).not.toMatch(/[<>]/);
      expect(out).not.toMatch(/(^|[^\\])[`*_[\]|]/);
      expect(out).not.toMatch(/@(?!\u200b)/);
      expect(out).not.toMatch(CONTROLS);
    }
  });

  it('escapePreformatted: no tag can open or close inside <pre>', () => {
    for (const text of HOSTILE) expect(escapePreformatted(text)).not.toMatch(/[<>]/);
  });

  it('escapeTerminal: no escape sequence or control character reaches the terminal', () => {
    for (const text of HOSTILE) {
      expect(escapeTerminal(text)).not.toMatch(CONTROLS);
      expect(escapeTerminal(text, { oneLine: true })).not.toMatch(/[\n\r]/);
    }
    expect(escapeTerminal('\u001b[31mred')).toBe('\\x1b[31mred');
  });
});

function reportWith(metric: string, revision: string): RunReport {
  return {
    model: 'org/model',
    revision,
    status: 'succeeded',
    simulated: false,
    jobs: [],
    results: [{ benchmark: 'custom|mytask', metric, value: 0.5, stderr: 0.01 }],
  };
}

describe('escapeWorkflowLog', () => {
  it('no line of cluster text can become a workflow command', () => {
    const hostile = 'Job 7 failed:\n::error file=a.ts::forged\n  ::add-mask::x\n::stop-commands::t';
    const out = escapeWorkflowLog(hostile);
    expect(out.split('\n').some((line) => /^\s*::/.test(line))).toBe(false);
    expect(out).toContain('Job 7 failed:');
    for (const text of HOSTILE) {
      expect(
        escapeWorkflowLog(text)
          .split('\n')
          .some((line) => /^\s*::/.test(line)),
      ).toBe(false);
    }
  });
});

describe('hostile metric names and revisions in the report', () => {
  it('render inert: the table row stays one row, the title one line, no HTML or mention escapes', () => {
    for (const text of ATTACKS) {
      const md = renderReport(reportWith(text, text));
      const lines = md.split('\n');
      // One title line (the verdict first, then model and revision).
      expect(lines.filter((l) => l.startsWith('## '))).toHaveLength(1);
      const row = lines.filter((l) => l.startsWith('| custom'));
      expect(row).toHaveLength(1);
      // A metric name is shown once, on the run-facts line, which it cannot end early (an empty one
      // is not shown at all).
      expect(lines.filter((l) => l.startsWith('- **LightEval metrics:**'))).toHaveLength(text ? 1 : 0);
      // The row keeps the header's cell count: no pipe broke out of the code span.
      const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
      const header = lines.find((l) => l.startsWith('| Benchmark'));
      expect(cells(row[0] ?? '')).toBe(cells(header ?? ''));
      // Outside code spans (shown literally by GitHub) nothing hostile is left.
      const outsideCode = md.replace(/`[^`\n]*`/g, '');
      expect(outsideCode).not.toContain('<img');
      expect(outsideCode).not.toMatch(/@octocat/);
      expect(md).not.toMatch(/^## Approved/m);
    }
  });
});
