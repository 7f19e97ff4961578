/**
 * Golden files: the HAProxy configs (and maps and keys) of examples/webshop and of the per-feature
 * meshes under test/haproxy/cases, with their diagnostics; every one of them passes `haproxy -c`.
 * `npm run goldens` rewrites them; review the diff.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler.js';
import type { MeshIR } from '../../src/ir/types.js';
import haproxy from '../../targets/haproxy/index.js';
import { expectGolden, updating } from '../helpers/golden.js';
import { webCallsApi } from './fixtures.js';
import { describeWithHaproxy, emit, irOf } from './harness.js';

const CASES: Record<string, string> = {
  webshop: 'examples/webshop',
  routing: 'test/haproxy/cases/routing',
  policy: 'test/haproxy/cases/policy',
  gateway: 'test/haproxy/cases/gateway',
  permissive: 'test/haproxy/cases/permissive',
  unsupported: 'test/haproxy/cases/unsupported',
};

async function irOfDir(input: string): Promise<MeshIR> {
  const r = await compile({ input, targets: ['ir'] });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
  return r.ir!;
}

describe('haproxy goldens', () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(`${name}: configs, maps, keys and diagnostics`, async () => {
      const ir = await irOfDir(input);
      const { files, diagnostics } = emit(ir);
      const dir = `test/haproxy/golden/${name}`;
      const report = diagnostics.map((d) => `${d.code} ${d.severity} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-'} ${d.message}`);
      expectGolden(`${dir}/diagnostics.txt`, report.join('\n') + '\n');
      const names = files.map((f) => posix.basename(f.path));
      for (const f of files) expectGolden(`${dir}/${posix.basename(f.path)}`, f.content);
      if (!updating && existsSync(dir)) {
        const stale = readdirSync(dir).filter((f) => f !== 'diagnostics.txt' && !names.includes(f));
        expect(stale, 'golden files no longer emitted: run `npm run goldens`').toEqual([]);
      }
      // Deterministic: the same IR gives the same bytes.
      expect(emit(structuredClone(ir)).files).toEqual(files);
    });
  }
});

describeWithHaproxy('haproxy -c accepts every golden config', () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(name, async () => {
      const ir = await irOfDir(input);
      const { files } = emit(ir);
      const tmp = mkdtempSync(join(tmpdir(), 'meshc-haproxy-verify-'));
      try {
        const r = await haproxy.verify!(files, { tmpDir: tmp });
        expect(r.skipped).toEqual([]);
        expect(r.diagnostics).toEqual([]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});

describe('haproxy diagnostics point at the user line', () => {
  it('reports every feature it cannot express, once, at its span', async () => {
    const ir = await irOfDir('test/haproxy/cases/unsupported');
    const { diagnostics } = emit(ir);
    const got = diagnostics.map((d) => `${d.code} ${d.severity} ${d.span!.file}:${d.span!.line}:${d.span!.column}`).sort();
    expect(got).toEqual(
      [
        'MC4001 error mesh.yaml:87:10', // from: service caller, with mtls off and no address
        'MC7005 error mesh.yaml:122:19', // a 4th rate limit at one port
        'MC7003 error mesh.yaml:99:19', // PS256 key
        'MC7003 error mesh.yaml:91:19', // two keys
        'MC4001 error mesh.yaml:52:7', // mirror
        'MC4001 error mesh.yaml:56:16', // fault delay
        'MC4001 error mesh.yaml:60:7', // retriable-4xx
        'MC4001 error mesh.yaml:60:7', // retry on 429
        'MC7007 error mesh.yaml:63:7', // 204 with a body
        'MC4001 error mesh.yaml:66:7', // direct response 101
        'MC4001 error mesh.yaml:70:16', // abort with 103
        'MC7006 error mesh.yaml:73:44', // NUL in a body: at the body value
        'MC7010 warning mesh.yaml:78:46', // 3 tries of 500ms under a 1s timeout: at perTryTimeout
        'MC7011 error mesh.yaml:128:86', // a rate-limit window past 24.8 days: at per
        'MC7004 warning mesh.yaml:27:3', // maxEjectionPercent
      ].sort(),
    );
  });

  it('warns (MC7010) when retried timeouts can outlast the timeout without perTryTimeout too — each retry gets the whole timeout', async () => {
    const mesh = (on: string) => webCallsApi(`  timeout: 2s\n  retries: { attempts: 3, on: [${on}] }\n`);
    const at = (ds: { code: string; span?: { line: number; column: number } }[]) => ds.filter((d) => d.code === 'MC7010').map((d) => `${d.span!.line}:${d.span!.column}`);
    expect(at(emit(await irOf(mesh('5xx'))).diagnostics)).toEqual(['15:7']); // a timed-out try is retried (at the service: its default rule)
    expect(at(emit(await irOf(mesh('connect-failure'))).diagnostics)).toEqual([]); // only failed connections are
  });
});
