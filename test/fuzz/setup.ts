/**
 * Global setup of `npm run fuzz`: puts the run in fuzz mode (MESHC_FUZZ_SECONDS, default 600),
 * collects every test file's case counts in MESHC_FUZZ_REPORT (a temporary file unless given) and
 * prints their sum per property and target at the end.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  process.env.MESHC_FUZZ_SECONDS ??= '600';
  process.env.MESHC_FUZZ_REPORT ??= join(mkdtempSync(join(tmpdir(), 'meshc-fuzz-')), 'counts.jsonl');
  const started = Date.now();
  const report = process.env.MESHC_FUZZ_REPORT;
  console.log(`meshc fuzz: ${process.env.MESHC_FUZZ_SECONDS} s; counts in ${report}`);
  return () => {
    const sum = new Map<string, number>();
    if (existsSync(report)) {
      for (const line of readFileSync(report, 'utf8').split('\n').filter(Boolean)) {
        const { counts } = JSON.parse(line) as { counts: Record<string, Record<string, number>> };
        for (const [p, ts] of Object.entries(counts)) for (const [t, n] of Object.entries(ts)) sum.set(`${p}\u0000${t}`, (sum.get(`${p}\u0000${t}`) ?? 0) + n);
      }
    }
    const rows = [...sum].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => {
      const [p, t] = k.split('\u0000') as [string, string];
      return `  ${p.padEnd(40)} ${(t === '-' ? '(cases)' : t).padEnd(28)} ${n}`;
    });
    console.log(`\nmeshc fuzz: cases tried in ${Math.round((Date.now() - started) / 1000)} s\n${rows.join('\n')}\n`);
  };
}
