/**
 * Atomicity against SIGKILL: a real process writing the output is killed at random moments, over
 * and over; after each kill the tree must be consistent (the previous or the new version, exactly
 * matching its manifest), foreign files untouched, and after recovery no transaction left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recoverOutput } from '../../src/output/index.js';
import { inconsistencies, tempDir } from './helpers.js';

const writer = fileURLToPath(new URL('./kill-writer.mjs', import.meta.url));
const compiled = fileURLToPath(new URL('../../dist/src/output/write.js', import.meta.url));
const haveDist = existsSync(compiled);
if (!haveDist) console.warn(`kill test skipped: ${compiled} is missing (run \`npx tsc -p tsconfig.json\`; npm test does)`);
if (!haveDist && process.env.CI) throw new Error('dist/ is missing in CI: npm test must compile first');

const FOREIGN = ['README.md', 'd5/mine.txt'];
const TIME_BUDGET_MS = 20_000;
const MAX_KILLS = 60;

function version(out: string): number {
  const m = JSON.parse(readFileSync(join(out, 'meshc-manifest.json'), 'utf8')) as { inputHash: string };
  return Number(m.inputHash[0]);
}

function runToEnd(out: string, v: number): number {
  const t = Date.now();
  const r = spawnSync(process.execPath, [writer, out, String(v)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`writer failed: ${r.stderr}`);
  return Date.now() - t;
}

(haveDist ? describe : describe.skip)('SIGKILL during a write', () => {
  it('leaves the previous or the new tree, consistent with its manifest, every time', async () => {
    const { dir, cleanup } = tempDir('meshc-kill-');
    const out = join(dir, 'out');
    try {
      runToEnd(out, 1);
      writeFileSync(join(out, 'README.md'), 'not meshc\n');
      mkdirSync(join(out, 'd5'), { recursive: true });
      writeFileSync(join(out, 'd5', 'mine.txt'), 'not meshc either\n');
      const full = Math.max(runToEnd(out, 2), 50);
      runToEnd(out, 1);
      const stats = { kills: 0, untouched: 0, staging: 0, midCommit: 0, finished: 0, rolledBack: 0, completed: 0 };
      let lo = 0;
      let hi = full * 1.2;
      const t0 = Date.now();
      while (Date.now() - t0 < TIME_BUDGET_MS && stats.kills < MAX_KILLS) {
        const before = version(out);
        const next = 3 - before;
        const child = spawn(process.execPath, [writer, out, String(next)], { stdio: 'ignore' });
        const delay = lo + Math.random() * (hi - lo);
        const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
        await new Promise((r) => setTimeout(r, delay));
        child.kill('SIGKILL');
        const code = await exited;
        stats.kills++;
        const txn = existsSync(join(out, '.meshc-txn'));
        const journal = existsSync(join(out, '.meshc-txn', 'journal.json'));
        // Without a journal, the live tree is consistent right now, before any recovery.
        if (!journal) {
          expect(inconsistencies(out, [...FOREIGN, '.meshc-lock', ...(txn ? ['.meshc-txn'] : [])]).filter((p) => !p.includes('.meshc-txn'))).toEqual([]);
        }
        if (code === 0) stats.finished++;
        else if (journal) stats.midCommit++;
        else if (txn) stats.staging++;
        else stats.untouched++;
        const rec = recoverOutput(out);
        expect(rec.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        if (rec.recovery === 'rolled-back') stats.rolledBack++;
        if (rec.recovery === 'completed') stats.completed++;
        expect(existsSync(join(out, '.meshc-txn'))).toBe(false);
        expect(inconsistencies(out, [...FOREIGN, '.meshc-lock'])).toEqual([]);
        expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('not meshc\n');
        expect(readFileSync(join(out, 'd5', 'mine.txt'), 'utf8')).toBe('not meshc either\n');
        const after = version(out);
        expect([before, next]).toContain(after);
        // Aim the kills at the write: later when nothing had happened, earlier when it had finished.
        if (code === 0) hi = Math.max(lo + 5, hi * 0.9);
        else if (!txn) lo = Math.min(hi - 5, lo + (hi - lo) * 0.2);
      }
      console.log(`SIGKILL test (full write ≈ ${full} ms): ${JSON.stringify(stats)}`);
      expect(stats.kills).toBeGreaterThanOrEqual(10);
      expect(stats.midCommit + stats.staging).toBeGreaterThan(0);
      // A final, uninterrupted build over whatever state is left works and is consistent.
      runToEnd(out, 2);
      expect(inconsistencies(out, FOREIGN)).toEqual([]);
    } finally {
      cleanup();
    }
  }, 60_000);
});
