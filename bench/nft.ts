/**
 * nftables at scale: the rules in meshc's chains for a mesh of 10 Filters and one of 10,000
 * (the bench mesh with endpoints on hosts: 2 Filters per service), counted in the emitted ruleset.
 * The structural test of the same property is test/nftables/scale.test.ts.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../src/compiler.js';
import { generateMesh } from './generate.js';

/** Rules per chain of one ruleset, and its size. */
export interface NftCount {
  filters: number;
  rules: Record<string, number>;
  totalRules: number;
  /** Set and map elements (lines inside `elements = { … }`). */
  elements: number;
  bytes: number;
  emitMs: number;
}

/** Rules per chain, read from the emitted text (a chain's `type … hook` line is not a rule). */
export function rulesPerChain(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let chain: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\tchain (\S+) \{$/.exec(line);
    if (m) {
      chain = m[1]!;
      out[chain] = 0;
    } else if (chain && line === '\t}') chain = undefined;
    else if (chain && !/^\t\ttype /.test(line) && line.trim() !== '') out[chain]! += 1;
  }
  return out;
}

/** Builds the bench mesh with `filters` Filters (filters / 2 services on hosts) and counts the rules. */
export async function nftRules(filters: number, scratch: string): Promise<NftCount> {
  const dir = mkdtempSync(join(scratch, `nft-${filters}-`));
  try {
    generateMesh(dir, Math.max(1, Math.round(filters / 2)), { onHosts: true });
    const r = await compile({ input: dir, targets: ['nftables'] });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`nftables bench mesh: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
    const text = r.files.find((f) => f.path.endsWith('.nft'))?.content ?? '';
    const rules = rulesPerChain(text);
    const elements = text.split('\n').filter((l) => l.startsWith('\t\t\t')).length;
    return {
      filters,
      rules,
      totalRules: Object.values(rules).reduce((a, b) => a + b, 0),
      elements,
      bytes: Buffer.byteLength(text),
      emitMs: r.timings['emit:nftables'] ?? 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
