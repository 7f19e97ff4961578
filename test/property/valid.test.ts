/**
 * The generator of random valid meshes (test/arbitraries) is only useful if what it makes is valid
 * and covers the language: every mesh it draws checks without errors, and a sample of them uses
 * every port protocol, match kind, action, rule option, filter type and listener kind.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import type { Resource } from '../../src/dsl/types.js';
import { meshArb } from '../arbitraries/mesh.js';
import { count, params, report, timeout } from './runs.js';

afterAll(() => report('valid.test.ts'));

/** Feature tags a mesh uses. */
function features(resources: readonly Resource[]): Set<string> {
  const f = new Set<string>();
  for (const r of resources) {
    if (r.kind === 'Mesh') {
      f.add(`mesh.mtls.${r.spec.mtls ?? 'default'}`);
      f.add(`mesh.defaultAction.${r.spec.defaultAction ?? 'default'}`);
    } else if (r.kind === 'Service') {
      for (const p of r.spec.ports) f.add(`port.${p.protocol ?? 'http'}`);
      if (r.spec.sidecar === false) f.add('service.sidecarless');
      if (r.spec.versions) f.add('service.versions');
      for (const e of r.spec.endpoints ?? []) f.add(/^\[|^[0-9.]+:\d+$/.test(e) ? 'endpoint.host-port' : e.includes(':') ? 'endpoint.ipv6' : /^[0-9.]+$/.test(e) ? 'endpoint.ipv4' : 'endpoint.dns');
      if (r.spec.loadBalancer) f.add(`lb.${r.spec.loadBalancer.policy}`);
      if (r.spec.uses) f.add('service.uses');
      if (r.spec.workload) f.add('service.workload');
    } else if (r.kind === 'Route') {
      f.add(r.spec.gateway ? 'route.gateway' : 'route.service');
      for (const rule of r.spec.rules) {
        const m = rule.match;
        if (m?.path) f.add(`match.path.${Object.keys(m.path)[0]}`);
        for (const v of Object.values(m?.headers ?? {})) f.add(`match.header.${Object.keys(v)[0]}`);
        for (const v of Object.values(m?.query ?? {})) f.add(`match.query.${Object.keys(v)[0]}`);
        if (m?.methods) f.add('match.methods');
        for (const k of ['backends', 'redirect', 'directResponse', 'timeout', 'retries', 'rewrite', 'headers', 'mirror', 'fault', 'cors'] as const) {
          if (rule[k] !== undefined) f.add(`rule.${k}`);
        }
        if (rule.rewrite?.path) f.add(`rewrite.${Object.keys(rule.rewrite.path)[0]}`);
      }
    } else if (r.kind === 'Filter') {
      f.add(`filter.${r.spec.type}.${'service' in r.spec.target ? 'service' : 'gateway'}`);
      if ((r.spec.type === 'allow' || r.spec.type === 'deny') && r.spec.http) f.add('filter.http');
      if (r.spec.type === 'allow' || r.spec.type === 'deny') for (const s of r.spec.from ?? []) f.add(`source.${Object.keys(s)[0]}`);
    } else {
      f.add(`gateway.${r.spec.proxy}`);
      for (const l of r.spec.listeners) {
        f.add(`listener.${l.protocol}`);
        if (l.tls?.certificateFile) f.add('listener.tls.file');
        if (l.tls?.secretName) f.add('listener.tls.secret');
        if (l.redirectToHttps) f.add('listener.redirectToHttps');
      }
    }
  }
  return f;
}

const EVERY_FEATURE = [
  'port.http', 'port.http2', 'port.grpc', 'port.tcp', 'service.sidecarless', 'service.versions', 'service.uses', 'service.workload',
  'endpoint.ipv4', 'endpoint.ipv6', 'endpoint.dns', 'endpoint.host-port',
  'lb.round-robin', 'lb.least-request', 'lb.random', 'lb.ring-hash', 'lb.maglev',
  'route.service', 'route.gateway', 'match.path.exact', 'match.path.prefix', 'match.path.regex',
  'match.header.exact', 'match.header.prefix', 'match.header.regex', 'match.header.present',
  'match.query.exact', 'match.query.prefix', 'match.query.regex', 'match.query.present', 'match.methods',
  'rule.backends', 'rule.redirect', 'rule.directResponse', 'rule.timeout', 'rule.retries', 'rule.rewrite', 'rule.headers', 'rule.mirror', 'rule.fault', 'rule.cors',
  'rewrite.prefix', 'rewrite.full', 'rewrite.regex',
  'filter.allow.service', 'filter.deny.service', 'filter.rateLimit.service', 'filter.jwt.service',
  'filter.allow.gateway', 'filter.deny.gateway', 'filter.rateLimit.gateway', 'filter.jwt.gateway', 'filter.http',
  'source.service', 'source.gateway', 'source.cidr',
  'gateway.envoy', 'gateway.haproxy', 'listener.http', 'listener.https', 'listener.tcp', 'listener.tls.file', 'listener.tls.secret', 'listener.redirectToHttps',
  'mesh.mtls.strict', 'mesh.mtls.permissive', 'mesh.mtls.off', 'mesh.defaultAction.deny', 'mesh.defaultAction.allow',
];

describe('random valid meshes', () => {
  it('check without errors', async () => {
    await fc.assert(
      fc.asyncProperty(meshArb(), async (m) => {
        const r = await compileMemory(m.files, { checkOnly: true });
        const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.span?.file}:${d.span?.line}:${d.span?.column} ${d.message}`);
        count('valid meshes check clean');
        expect(errors).toEqual([]);
      }),
      params('valid meshes check clean', 150),
    );
  }, timeout(120_000));

  it('cover every feature of the language (a fixed sample of 300)', () => {
    const seen = new Set<string>();
    for (const m of fc.sample(meshArb(), { numRuns: 300, seed: 7 })) for (const f of features(m.resources)) seen.add(f);
    expect(EVERY_FEATURE.filter((f) => !seen.has(f))).toEqual([]);
  });
});
