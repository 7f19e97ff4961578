/**
 * `nft -c -f` on emitted rulesets, inside a fresh network namespace: the check talks to the kernel
 * (it needs CAP_NET_ADMIN there) and must never see or touch the host's own ruleset.
 * @module
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDiagnostic } from '../../src/diagnostics/bag.js';
import type { OutputFile, VerifyResult } from '../../src/target/types.js';
import { NftCodes } from './codes.js';

interface Run { code: number | string | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as NodeJS.ErrnoException).code ?? (err as { status?: number }).status ?? 1) : 0;
      resolve({ code: typeof code === 'number' || typeof code === 'string' ? code : 1, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** How to enter a fresh network namespace here, or why it is impossible. */
export async function namespaceRunner(): Promise<{ prefix: string[] } | { skip: string }> {
  const nft = await run('nft', ['--version'], 10_000);
  if (nft.code === 'ENOENT') return { skip: 'nft (nftables) is not installed' };
  const attempts: string[][] = [['unshare', '-n'], ['unshare', '-rn']];
  const errors: string[] = [];
  for (const prefix of attempts) {
    const r = await run(prefix[0]!, [...prefix.slice(1), 'nft', 'list', 'ruleset'], 10_000);
    if (r.code === 0) return { prefix };
    if (r.code === 'ENOENT') return { skip: 'unshare (util-linux) is not installed' };
    errors.push(r.stderr.trim().split('\n')[0] ?? String(r.code));
  }
  return { skip: `cannot create a network namespace for nft -c (needs CAP_NET_ADMIN or user namespaces): ${errors.join('; ')}` };
}

/** Checks every `.nft` file with `nft -c -f` in a throw-away network namespace. */
export async function verifyRulesets(files: readonly OutputFile[], tmpDir: string): Promise<VerifyResult> {
  const rulesets = files.filter((f) => f.path.endsWith('.nft'));
  if (rulesets.length === 0) return { diagnostics: [], skipped: [] };
  const ns = await namespaceRunner();
  if ('skip' in ns) return { diagnostics: [], skipped: [ns.skip] };
  const diagnostics = [];
  for (const [i, f] of rulesets.entries()) {
    const path = join(tmpDir, `ruleset-${i}.nft`);
    writeFileSync(path, f.content);
    const r = await run(ns.prefix[0]!, [...ns.prefix.slice(1), 'nft', '-c', '-f', path]);
    if (r.code !== 0) {
      const detail = (r.stderr || r.stdout || `exit ${r.code}`).split(path).join(f.path).trim().split('\n').slice(0, 12).join('\n');
      diagnostics.push(makeDiagnostic(NftCodes.VerifyFailed, undefined, { file: f.path, detail }));
    }
  }
  return { diagnostics, skipped: [] };
}
