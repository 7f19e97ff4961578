/**
 * The nftables target on IR fixtures: golden rulesets, exact diagnostics, nft -c, determinism and
 * the guarantee that no input string changes the ruleset's structure.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler.js';
import type { MeshIR } from '../../src/ir/types.js';
import type { OutputFile } from '../../src/target/types.js';
import nftables, { RULESET_PATH } from '../../targets/nftables/index.js';
import { nftString } from '../../targets/nftables/render.js';
import { verifyRulesets } from '../../targets/nftables/verify.js';
import { expectGolden } from '../helpers/golden.js';
import { mustRun, nftCheckUnavailable } from './env.js';
import { diagKeys, ep, gateway, jwt, limit, mesh, recordingContext, rule, service, span, src } from './ir-builder.js';

const POLICY_IR = 'test/nftables/fixtures/policy.ir.json';

function emit(ir: MeshIR) {
  const ctx = recordingContext();
  const files = nftables.emit(ir, ctx);
  expect(files.map((f) => f.path)).toEqual([RULESET_PATH]);
  return { text: files[0]!.content, files, diagnostics: ctx.diagnostics };
}

const tmp = mkdtempSync(join(tmpdir(), 'meshc-nft-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const canCheck = mustRun('nft -c in a network namespace', nftCheckUnavailable);
async function expectNftAccepts(files: OutputFile[]): Promise<void> {
  if (!canCheck) return;
  const r = await verifyRulesets(files, tmp);
  expect(r.skipped).toEqual([]);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
}

describe('policy fixture (every feature)', () => {
  it('its IR fixture is what the ir target emits for the fixture mesh', async () => {
    const r = await compile({ input: 'test/nftables/fixtures/policy', targets: ['ir'] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expectGolden(POLICY_IR, r.files[0]!.content);
  });

  it('emits the golden ruleset with exactly the expected diagnostics, and nft accepts it', async () => {
    const ir = JSON.parse(readFileSync(POLICY_IR, 'utf8')) as MeshIR;
    const { text, files, diagnostics } = emit(ir);
    expectGolden('test/nftables/goldens/policy.nft', text);
    expect(diagKeys(diagnostics)).toEqual([
      'MC8001 filters.yaml:25:19', // orders-grpc: allow with http (note)
      'MC8001 filters.yaml:49:19', // orders-admin: deny with http is not enforced at L4 (note)
      'MC8002 mesh.yaml:33:59', // orders-canary.internal: a DNS endpoint cannot be protected
      'MC8002 mesh.yaml:60:15', // legacy.internal
      'MC8003 filters.yaml:33:7', // orders-grpc from legacy (DNS only)
      'MC8003 filters.yaml:89:7', // ledger-access from orders, which has a DNS endpoint
      'MC8004 filters.yaml:32:7', // orders-grpc from batch (no endpoints, no cidr in the filter)
      'MC8005 filters.yaml:111:19', // edge-limit on an HTTP listener: connections, not requests
      'MC8005 filters.yaml:58:19', // orders-limit
      'MC8005 filters.yaml:67:19', // orders-global
      'MC8005 filters.yaml:75:19', // orders-global-http
      'MC8007 filters.yaml:119:19', // edge-jwt: enforced by the gateway
    ]);
    expect(diagnostics.every((d) => d.severity !== 'error')).toBe(true);
    await expectNftAccepts(files);
  });
});

describe('verify', () => {
  it.runIf(canCheck)('reports a ruleset nft rejects as MC8009 with nft\'s message, naming the emitted path', async () => {
    const r = await verifyRulesets([{ path: RULESET_PATH, content: 'table inet meshc {\n\tchain c { bogus }\n}\n' }], tmp);
    expect(r.skipped).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC8009']);
    expect(r.diagnostics[0]!.message).toContain(`${RULESET_PATH}:2:`);
    expect(r.diagnostics[0]!.message).not.toContain(tmp);
  });
});

describe('webshop (full pipeline)', () => {
  it('emits the golden ruleset, verified by nft -c', async () => {
    const r = await compile({ input: 'examples/webshop', targets: ['nftables'], verify: canCheck });
    const mine = r.diagnostics.filter((d) => d.target === 'nftables' || d.code.startsWith('MC8') || d.code.startsWith('MC4'));
    expect(diagKeys(mine)).toEqual([
      'MC8001 filters/access.yaml:88:9', // payments-no-admin: http deny, enforced by the sidecar
      'MC8005 filters/limits.yaml:16:9', // edge-limit counts connections
    ]);
    expect(r.files.map((f) => f.path)).toEqual([RULESET_PATH]);
    expectGolden('test/nftables/goldens/webshop.nft', r.files[0]!.content);
  });
});

describe('diagnostics on hand-built IR', () => {
  it('reports two owners of one address and port (MC8006) at the second, related to the first', () => {
    const a = service({ name: 'a', ports: [{ name: 'http', port: 8080 }], endpoints: [ep('10.0.0.1', span(10, 3))] });
    const b = service({ name: 'b', sidecar: false, ports: [{ name: 'http', port: 15006, protocol: 'tcp' }], endpoints: [ep('10.0.0.1', span(20, 5))] });
    const { diagnostics, text } = emit(mesh({ services: [a, b] }));
    expect(diagKeys(diagnostics)).toEqual(['MC8006 mesh.yaml:20:5']);
    expect(diagnostics[0]!.severity).toBe('error');
    expect(diagnostics[0]!.related?.[0]?.span).toEqual(span(10, 3));
    // the first owner keeps the destination
    expect(text).toContain('10.0.0.1 . 15006 comment "service a port http" : goto default_deny');
  });

  it('reports L7 conditions and JWT on a service without sidecar as unsupported (MC4001)', () => {
    const db = service({
      name: 'db', sidecar: false, endpoints: [ep('10.0.0.5')],
      ports: [{ name: 'http', port: 8080, allow: [rule('db-get', [src.cidr('10.1.0.0/16')], span(5, 9), { methods: ['GET'], paths: [] })], jwt: [jwt('db-jwt', span(7, 9))] }],
    });
    const { diagnostics, text } = emit(mesh({ services: [db] }));
    expect(diagKeys(diagnostics)).toEqual(['MC4001 mesh.yaml:5:9', 'MC4001 mesh.yaml:7:9']);
    // the L4 part stays: the source is admitted
    expect(text).toContain('10.1.0.0/16 . 10.0.0.5 . 8080 comment "filter db-get"');
  });

  it('rounds a rate that no unit expresses exactly (MC8008) and keeps exact ones', () => {
    const s = service({
      name: 's', endpoints: [ep('10.0.0.1')],
      ports: [{ name: 'http', port: 80, protocol: 'tcp', defaultAction: 'allow', rateLimits: [limit('odd', 1, 1237, 'global', 1, span(3, 4)), limit('week', 1, 7, 'source-ip', 3)] }],
    });
    const { diagnostics, text } = emit(mesh({ services: [s] }));
    expect(diagKeys(diagnostics)).toEqual(['MC8008 mesh.yaml:3:4']);
    expect(text).toContain('rate over 488925/week burst 1 packets'); // ceil(604800000 / 1237)
    expect(text).toContain('limit rate over 86400000/week burst 3 packets'); // 1 per 7 ms, exact per week
  });

  it('warns about a gateway endpoint given as a DNS name (MC8002) and protects the others', () => {
    const g = gateway('edge', [ep('edge.example.com', span(4, 15)), ep('2001:db8::1')], [{ name: 'http', port: 80 }]);
    const { diagnostics, text } = emit(mesh({ gateways: [g] }));
    expect(diagKeys(diagnostics)).toEqual(['MC8002 mesh.yaml:4:15']);
    expect(text).toContain('2001:db8::1 . 80 comment "gateway edge listener http" : goto default_allow');
    expect(text).not.toContain('edge.example.com');
  });

  it('warns about a source without addresses (MC8004) unless the rule also names a network', () => {
    const k8s = src.service('batch', [], span(30, 7));
    const k8s2 = src.service('batch', [], span(40, 7));
    const s = service({
      name: 's', endpoints: [ep('10.0.0.1')],
      ports: [{ name: 'http', port: 80, allow: [rule('only-batch', [k8s]), rule('batch-or-pods', [k8s2, src.cidr('10.244.0.0/16')])] }],
    });
    expect(diagKeys(emit(mesh({ services: [s] })).diagnostics)).toEqual(['MC8004 mesh.yaml:30:7']);
  });

  it('does not warn about allow sources where the default action admits everyone anyway', () => {
    const s = service({
      name: 's', endpoints: [ep('10.0.0.1')],
      ports: [{ name: 'http', port: 80, defaultAction: 'allow', allow: [rule('only-batch', [src.service('batch', [], span(30, 7))])] }],
    });
    expect(emit(mesh({ services: [s] })).diagnostics).toEqual([]);
  });

  it('says nothing about Filters of services that have no endpoints outside Kubernetes', () => {
    const s = service({
      name: 's',
      ports: [{ name: 'http', port: 80, allow: [rule('x', [src.service('k', [])], span(3), { methods: ['GET'], paths: [] })], rateLimits: [limit('l', 1, 1237, 'global')] }],
    });
    const { diagnostics, text } = emit(mesh({ services: [s] }));
    expect(diagnostics).toEqual([]);
    expect(text).not.toMatch(/elements/);
  });
});

describe('semantics in the emitted elements', () => {
  it('every-source rules use 0.0.0.0/0 and ::/0; allow sets are empty at default-allow ports', () => {
    const s = service({
      name: 's', endpoints: [ep('10.0.0.1'), ep('fd00::1')],
      ports: [
        { name: 'open', port: 80, allow: [rule('all', [])] },
        { name: 'closed', port: 81, defaultAction: 'allow', allow: [rule('useless', [src.cidr('10.9.0.0/16')])], deny: [rule('nobody', [])] },
      ],
    });
    const { text } = emit(mesh({ services: [s] }));
    expect(text).toContain('0.0.0.0/0 . 10.0.0.1 . 15006 comment "filter all"');
    expect(text).toContain('::/0 . fd00::1 . 15006 comment "filter all"');
    expect(text).toContain('0.0.0.0/0 . 10.0.0.1 . 15007 comment "filter nobody"');
    expect(text).not.toContain('useless');
  });

  it('protects a sidecar-less service on its own port, or on the port of a host:port endpoint', () => {
    const db = service({
      name: 'db', sidecar: false, ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }],
      endpoints: [ep('10.0.0.1'), ep('10.0.0.2', undefined, 6432)],
    });
    const { text } = emit(mesh({ services: [db] }));
    expect(text).toContain('10.0.0.1 . 5432 comment "service db port pg" : goto default_deny');
    expect(text).toContain('10.0.0.2 . 6432 comment "service db port pg" : goto default_deny');
    expect(text).not.toContain('10.0.0.2 . 5432');
  });

  it('keeps the widest of nested source networks and names every Filter on it', () => {
    const s = service({
      name: 's', endpoints: [ep('10.0.0.1')],
      ports: [{ name: 'http', port: 80, allow: [
        rule('wide', [src.cidr('10.0.0.0/8')]),
        rule('narrow', [src.cidr('10.1.0.0/16'), src.service('c', ['10.1.2.3', '10.200.0.1'])]),
        rule('other', [src.cidr('192.168.0.0/16')]),
      ] }],
    });
    const { text } = emit(mesh({ services: [s] }));
    const allow = text.slice(text.indexOf('set allow_v4'), text.indexOf('set allow_v6'));
    expect(allow.match(/^\t\t\t.*$/gm)).toEqual([
      '\t\t\t10.0.0.0/8 . 10.0.0.1 . 15006 comment "filters narrow, wide",',
      '\t\t\t192.168.0.0/16 . 10.0.0.1 . 15006 comment "filter other"',
    ]);
  });

  it('shares one rule per rate shape and one global slot per stacked global limit', () => {
    const port = (name: string, p: number, extra: object) => ({ name, port: p, defaultAction: 'allow' as const, ...extra });
    const s = service({
      name: 's', endpoints: [ep('10.0.0.1')],
      ports: [
        port('a', 80, { rateLimits: [limit('a1', 10, 1000, 'source-ip'), limit('g1', 5, 1000, 'global'), limit('g2', 6, 1000, 'global')] }),
        port('b', 81, { rateLimits: [limit('b1', 600, 60_000, 'source-ip', 10)] }), // same shape as a1: 10/second burst 10
      ],
    });
    const { text } = emit(mesh({ services: [s] }));
    expect(text.match(/update @meter_source_\d+_v4/g)).toEqual(['update @meter_source_0_v4']);
    expect(text).toContain('10.0.0.1 . 15006 comment "filter a1"');
    expect(text).toContain('10.0.0.1 . 15007 comment "filter b1"');
    expect(text.match(/limit name ip daddr/g)).toHaveLength(2);
    expect(text).toContain('10.0.0.1 . 15006 : "svc_s_a_g2"');
  });
});

describe('edge values', () => {
  it('passes nft -c with every-source networks, week rates, the largest burst and meter timeout', async () => {
    const s = service({
      name: 's', endpoints: [ep('10.0.0.1'), ep('fd00::1'), ep('::ffff:10.9.9.9')],
      ports: [
        { name: 'a', port: 80, allow: [rule('all', []), rule('some', [src.cidr('10.0.0.0/8'), src.cidr('fd00::/16')])],
          rateLimits: [limit('l', 1, 1237, 'global'), limit('m', 3, 7, 'source-ip', 1_000_000_000), limit('n', 1_000_000_000, 1, 'source-ip')] },
        { name: 'b', port: 81, defaultAction: 'allow', deny: [rule('none', [])] },
      ],
    });
    const { text, files } = emit(mesh({ services: [s], refuse: 'reject' }));
    expect(text).toContain('timeout 604800s');
    expect(text).toContain('::ffff:a09:909 . 15006');
    await expectNftAccepts(files);
  });
});

describe('safety', () => {
  it('is deterministic: the same IR, also after a JSON round trip, gives the same bytes', () => {
    const ir = JSON.parse(readFileSync(POLICY_IR, 'utf8')) as MeshIR;
    const a = emit(ir).text;
    const b = emit(JSON.parse(JSON.stringify(ir)) as MeshIR).text;
    expect(b).toBe(a);
  });

  it('never copies a host string into the ruleset: malformed addresses become warnings', () => {
    const evil = '10.0.0.1 . 80 : accept }\n flush ruleset #';
    const s = service({ name: 's', ports: [{ name: 'http', port: 80, allow: [rule('x', [src.service('c', [evil])])] }], endpoints: [{ host: evil, kind: 'ipv4' }] });
    const { text, diagnostics } = emit(mesh({ services: [s] }));
    expect(text).not.toContain('flush');
    expect(diagKeys(diagnostics).map((k) => k.split(' ')[0])).toEqual(['MC8002']);
  });

  it('quotes nft strings so that they stay one token', () => {
    expect(nftString('filter a-b')).toBe('"filter a-b"');
    expect(nftString('x" ; flush ruleset\n#')).toBe('"x? ? flush ruleset??"');
    expect(nftString('x'.repeat(300))).toHaveLength(129);
  });

  it('replaces only its own table', () => {
    const { text } = emit(JSON.parse(readFileSync(POLICY_IR, 'utf8')) as MeshIR);
    const tableLines = text.split('\n').filter((l) => /^(table|delete|flush|add|destroy)\b/.test(l));
    expect(tableLines).toEqual(['table inet meshc {}', 'delete table inet meshc', 'table inet meshc {']);
  });
});
