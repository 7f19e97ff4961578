/**
 * The scaling property (issues #5 and #8): the rules in meshc's chains are the same for 10 and for
 * 10,000 Filters; only set and map elements grow. Checked on the emitted text and, where a network
 * namespace is available, on what the kernel holds after loading the ruleset.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MeshIR, ServiceIR } from '../../src/ir/types.js';
import nftables from '../../targets/nftables/index.js';
import { freshNamespace, mustRun, nftCheckUnavailable } from './env.js';
import { ep, limit, mesh, recordingContext, rule, service, src, type PortInput } from './ir-builder.js';

/**
 * Rate shapes (requests, per, burst), as a real mesh reuses a few. One rule per shape and family:
 * the rules grow with the number of distinct shapes, never with services or Filters.
 */
const SHAPES = [
  [100, 1000, 200],
  [10, 1000, 10],
] as const;

/**
 * A mesh with `n` Filters over n/5 services: allow from a service, deny a network, allow a network,
 * a per-source rate limit (one of the shapes), a global rate limit.
 */
function bigMesh(n: number): MeshIR {
  const services: ServiceIR[] = [];
  const nServices = Math.ceil(n / 5);
  for (let s = 0; s < nServices; s++) {
    const port: PortInput = { name: 'http', port: 8080, allow: [], deny: [], rateLimits: [] };
    for (let k = 0; k < 5 && s * 5 + k < n; k++) {
      const f = `f${s * 5 + k}`;
      const a = (x: number) => `10.${(x >> 8) & 255}.${x & 255}`;
      if (k === 0) port.allow!.push(rule(f, [src.service(`caller${s}`, [`${a(s)}.200`, `fd00:1::${(s + 1).toString(16)}`])]));
      if (k === 1) port.deny!.push(rule(f, [src.cidr(`172.16.${s & 255}.0/24`)]));
      if (k === 2) port.allow!.push(rule(f, [src.cidr(`192.168.${s & 255}.0/24`), src.cidr('fd00:99::/32')]));
      if (k === 3) {
        const [r, per, burst] = SHAPES[s % SHAPES.length]!;
        port.rateLimits!.push(limit(f, r, per, 'source-ip', burst));
      }
      if (k === 4) port.rateLimits!.push(limit(f, 50, 1000, 'global'));
    }
    const host = `${10 + ((s >> 16) & 255)}.${(s >> 8) & 255}.${s & 255}.1`;
    services.push(service({ name: `svc${s}`, ports: [port], endpoints: [ep(host), ep(`fd00:2::${(s + 1).toString(16)}`)] }));
  }
  return mesh({ services });
}

/** Rules per chain, read from the emitted text. */
function rulesPerChain(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let chain: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\tchain (\S+) \{$/.exec(line);
    if (m) {
      chain = m[1]!;
      out[chain] = 0;
    } else if (chain && line === '\t}') chain = undefined;
    else if (chain && !/^\t\ttype /.test(line)) out[chain]! += 1;
  }
  return out;
}

const elementCount = (text: string): number => text.split('\n').filter((l) => l.startsWith('\t\t\t')).length;

const tmp = mkdtempSync(join(tmpdir(), 'meshc-nft-scale-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rules do not grow with the mesh', () => {
  const sizes = [10, 1000, 10_000];
  const emitted = new Map<number, string>();
  const text = (n: number): string => {
    let t = emitted.get(n);
    if (t === undefined) {
      const ctx = recordingContext();
      t = nftables.emit(bigMesh(n), ctx)[0]!.content;
      expect(ctx.diagnostics.filter((d) => d.severity !== 'note')).toEqual([]);
      emitted.set(n, t);
    }
    return t;
  };

  it('has the same rules in every chain for 10, 1,000 and 10,000 Filters; the sets grow instead', () => {
    const expected = {
      input: 4, // established, loopback, the v4 and v6 destination maps
      default_deny: 5,
      default_allow: 3,
      admitted: 1 + 2 * SHAPES.length + 2 + 1, // new only, per-source shapes (v4+v6), one global slot (v4+v6), accept
      refused: 1,
    };
    const counts = sizes.map((n) => rulesPerChain(text(n)));
    for (const c of counts) expect(c).toEqual(expected);
    const elements = sizes.map((n) => elementCount(text(n)));
    expect(elements[1]!).toBeGreaterThan(50 * elements[0]!);
    expect(elements[2]!).toBeGreaterThan(9 * elements[1]!);
  });

  it('emits 10,000 Filters (its time is measured by npm run bench, not asserted here)', () => {
    const files = nftables.emit(bigMesh(10_000), recordingContext());
    expect(files.map((f) => f.path)).toEqual(['nftables/mesh.nft']);
  });

  const canLoad = mustRun('loading rulesets in a network namespace', nftCheckUnavailable);
  it.runIf(canLoad)('holds the same rules in the kernel for 10 and 10,000 Filters', () => {
    const kernelRules = (n: number): Record<string, number> => {
      const file = join(tmp, `scale-${n}.nft`);
      writeFileSync(file, text(n));
      const [cmd, ...args] = freshNamespace;
      const json = execFileSync(cmd!, [...args, 'sh', '-c', 'nft -f "$1" && nft -j list table inet meshc', 'sh', file], {
        encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000,
      });
      const items = (JSON.parse(json) as { nftables: Record<string, { chain?: string }>[] }).nftables;
      const out: Record<string, number> = {};
      for (const it of items) if (it.rule) out[it.rule.chain!] = (out[it.rule.chain!] ?? 0) + 1;
      return out;
    };
    const small = kernelRules(10);
    expect(kernelRules(10_000)).toEqual(small);
    // the kernel holds exactly the rules the text says (the input chain's policy line is not a rule)
    expect(small).toEqual(rulesPerChain(text(10)));
  });
});
