/**
 * `npm run bench`: builds the synthetic mesh at several sizes and prints time and peak memory per
 * stage. Each size runs in a fresh child process so that peak RSS is that size's own.
 *
 *   npm run bench                 # N = 1,000 and 10,000, load → IR (no target)
 *   npm run bench -- --sizes 100,1000 --targets envoy,haproxy
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMesh } from './generate.js';

interface Sample {
  n: number;
  wallMs: number;
  peakRssMiB: number;
  timings: Record<string, number>;
  files: number;
  bytes: number;
  diagnostics: number;
}

async function child(dir: string, n: number, targets: string[]): Promise<void> {
  const { compileLoaded, emitTargets, selectTargets } = await import('../src/compiler.js');
  const { DiagnosticBag } = await import('../src/diagnostics/bag.js');
  const { loadMesh } = await import('../src/dsl/load.js');
  const bag = new DiagnosticBag();
  const timings: Record<string, number> = {};
  const selected = targets.length > 0 ? await selectTargets(targets, bag) : [];
  const t0 = performance.now();
  const load = loadMesh(dir);
  timings.load = performance.now() - t0;
  const ir = compileLoaded(load, bag, timings);
  const files = ir ? emitTargets(ir, selected, bag, timings) : [];
  const wallMs = performance.now() - t0;
  const sample: Sample = {
    n,
    wallMs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    timings,
    files: files.length,
    bytes: files.reduce((s, f) => s + Buffer.byteLength(f.content), 0),
    diagnostics: bag.items.filter((d) => d.severity === 'error').length,
  };
  process.stdout.write(JSON.stringify(sample));
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3]!, Number(process.argv[4]), process.argv[5] && process.argv[5] !== 'none' ? process.argv[5].split(',') : []);
    return;
  }
  const sizes = arg('--sizes', '1000,10000').split(',').map(Number);
  const targets = arg('--targets', 'none');
  const self = fileURLToPath(import.meta.url);
  const samples: Sample[] = [];
  console.log(`meshc bench: targets ${targets}; node ${process.version}; ${process.platform}/${process.arch}`);
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), `meshc-bench-${n}-`));
    try {
      generateMesh(dir, n);
      const out = execFileSync(process.execPath, [self, '--child', dir, String(n), targets], { maxBuffer: 64 << 20 }).toString();
      const s = JSON.parse(out) as Sample;
      samples.push(s);
      const stages = Object.entries(s.timings).map(([k, v]) => `${k} ${v.toFixed(0)}ms`).join(', ');
      console.log(`N=${n}: ${s.wallMs.toFixed(0)} ms, peak RSS ${s.peakRssMiB.toFixed(0)} MiB, ${s.files} files, ${(s.bytes / 1048576).toFixed(1)} MiB out, errors ${s.diagnostics}`);
      console.log(`  stages: ${stages}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    console.log(`time(${b.n}) / time(${a.n}) = ${(b.wallMs / a.wallMs).toFixed(2)}`);
  }
}

await main();
