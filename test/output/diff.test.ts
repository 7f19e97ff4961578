import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff, unifiedHunks } from '../../src/output/diff.js';
import { tempDir } from './helpers.js';

/** Length of the longest common subsequence (the oracle: a minimal diff keeps exactly that many). */
function lcs(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe('diffLines (Myers)', () => {
  it('is a minimal edit script that turns a into b', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }), (a, b) => {
        const edits = diffLines(a, b);
        expect(edits.filter((e) => e.op !== '+').map((e) => e.line)).toEqual(a);
        expect(edits.filter((e) => e.op !== '-').map((e) => e.line)).toEqual(b);
        expect(edits.filter((e) => e.op === ' ').length).toBe(lcs(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('stays bounded on huge, totally different inputs', () => {
    const a = Array.from({ length: 20000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 20000 }, (_, i) => `b${i}`);
    // No timing assertion here (speed lives in `npm run bench`); the suite's timeout bounds it.
    const edits = diffLines(a, b);
    expect(edits).toHaveLength(40000);
  });

  it('handles a middle of hundreds of thousands of differing lines (a rewritten manifest) without overflowing the stack', () => {
    const a = ['{', ...Array.from({ length: 300_000 }, (_, i) => `a${i}`), '}'];
    const b = ['{', ...Array.from({ length: 300_000 }, (_, i) => `b${i}`), '}'];
    const edits = diffLines(a, b);
    expect(edits).toHaveLength(600_002);
    expect(edits[0]).toEqual({ op: ' ', line: '{' });
    expect(edits[600_001]).toEqual({ op: ' ', line: '}' });
  });
});

describe('unified format', () => {
  it('prints hunks with three lines of context and merges near changes', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20'].join('\n') + '\n';
    const b = a.replace('2\n', 'two\n').replace('8\n', 'eight\n').replace('19\n', '');
    expect(unifiedHunks(a, b)).toBe(
      ['@@ -1,11 +1,11 @@', ' 1', '-2', '+two', ' 3', ' 4', ' 5', ' 6', ' 7', '-8', '+eight', ' 9', ' 10', ' 11', '@@ -16,5 +16,4 @@', ' 16', ' 17', ' 18', '-19', ' 20', ''].join('\n'),
    );
  });

  it('marks a missing final newline and handles empty and created/deleted files', () => {
    expect(unifiedHunks('a\nb', 'a\nb\n')).toBe('@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
    expect(unifiedDiff('x', 'same\n', 'same\n')).toBe('');
    expect(unifiedDiff('x', undefined, '')).toBe('diff --git a/x b/x\nnew file mode 100644\n');
    expect(unifiedDiff('x', 'a\n', undefined)).toBe('diff --git a/x b/x\ndeleted file mode 100644\n--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n');
  });

  it('produces patches that GNU patch applies exactly (random texts)', () => {
    const { dir, cleanup } = tempDir('meshc-diff-');
    try {
      const line = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', '', '  indented', 'x');
      const text = fc.tuple(fc.array(line, { maxLength: 25 }), fc.boolean()).map(([ls, nl]) => (ls.length === 0 ? '' : ls.join('\n') + (nl ? '\n' : '')));
      fc.assert(
        fc.property(text, text, (a, b) => {
          writeFileSync(join(dir, 'f'), a);
          const d = unifiedDiff('f', a, b);
          if (a === b) {
            expect(d).toBe('');
            return;
          }
          writeFileSync(join(dir, 'p'), d);
          execFileSync('patch', ['-s', '-p1', '-i', 'p'], { cwd: dir });
          expect(readFileSync(join(dir, 'f'), 'utf8')).toBe(b);
        }),
        { numRuns: 60 },
      );
    } finally {
      cleanup();
    }
  });
});
