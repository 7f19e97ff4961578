/**
 * `meshc build` itself, as users run it, at one size: a first build into an empty directory, an
 * unchanged rebuild of that tree (what CI does on every commit to a GitOps repository), and
 * `meshc build --check` of it (what CI does to verify a committed tree). Each runs the real CLI
 * (bin/meshc.js) in a fresh process, timed from its start to its exit, with that process's peak RSS.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One run of the CLI. */
export interface CliRun {
  /** `first`, `rebuild` or `check`. */
  what: string;
  /** The CLI's arguments after `meshc`. */
  args: string[];
  wallMs: number;
  /** Peak resident set of the CLI's process (all its threads), in MiB. */
  peakRssMiB: number;
  /** The CLI's exit code (0 expected). */
  code: number;
  /** Its last line on stderr (the summary). */
  summary: string;
}

const BIN = fileURLToPath(new URL('../../bin/meshc.js', import.meta.url));

/**
 * Runs the CLI with `args` in a child process, timed from here (process start to exit), which
 * reports its own peak RSS when it exits (Node's resourceUsage: the process's maxRSS, every thread
 * included).
 */
function runCli(what: string, args: string[]): CliRun {
  const probe = `process.on('exit', () => require('node:fs').writeSync(3, JSON.stringify({ peakRssMiB: process.resourceUsage().maxRSS / 1024 })));
process.argv = [process.argv[0], ${JSON.stringify(BIN)}, ...${JSON.stringify(args)}];
import(${JSON.stringify(BIN)});`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-e', probe], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const wallMs = performance.now() - t0;
  const fd3 = (r.output[3] as Buffer | null)?.toString() ?? '';
  const stderr = r.stderr?.toString() ?? '';
  if (fd3 === '') throw new Error(`meshc ${args.join(' ')} reported nothing (exit ${r.status}): ${stderr.slice(-2000)}`);
  const m = JSON.parse(fd3) as { peakRssMiB: number };
  return { what, args, wallMs, peakRssMiB: m.peakRssMiB, code: r.status ?? -1, summary: stderr.trim().split('\n').pop() ?? '' };
}

/** A first build of `input` into `dir`/cli-out, an unchanged rebuild, and a `--check`. */
export function measureCli(input: string, dir: string): CliRun[] {
  const out = join(dir, 'cli-out');
  const build = ['build', input, '--out', out];
  const runs = [runCli('first', build), runCli('rebuild', build), runCli('check', [...build, '--check'])];
  for (const r of runs) r.summary = r.summary.replaceAll(out, 'OUT');
  return runs;
}
