/**
 * Checks of filters: targets, ports, sources, what needs HTTP or a sidecar, JWKS files.
 * @module
 */
import { LoadCodes } from '../dsl/codes.js';
import { readReferencedFile } from '../dsl/load.js';
import type { LocatedResource } from '../dsl/source.js';
import type { FilterResource } from '../dsl/types.js';
import { CheckCodes } from './codes.js';
import { isHttpProtocol, type CheckContext } from './context.js';
import { parseCidr } from './values.js';

/** The ports (service) or listeners (gateway) a filter applies to, by name, in declaration order. */
export function filterPorts(ctx: CheckContext, f: FilterResource): { name: string; protocol: string }[] {
  const t = f.spec.target;
  const all =
    'service' in t
      ? (ctx.services.get(t.service)?.resource.spec.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol ?? 'http' }))
      : (ctx.gateways.get(t.gateway)?.resource.spec.listeners ?? []).map((l) => ({ name: l.name, protocol: l.protocol }));
  const wanted = f.spec.ports;
  return wanted ? all.filter((p) => wanted.includes(p.name)) : all;
}

export function checkFilters(ctx: CheckContext): void {
  for (const lr of ctx.filters.values()) {
    const spec = lr.resource.spec;
    const t = spec.target;
    let known: string[] | undefined;
    let targetName = '';
    let sidecar = true;
    if ('service' in t) {
      const svc = ctx.services.get(t.service);
      if (!svc) {
        if (ctx.reportable('Service', t.service)) ctx.report(CheckCodes.UnknownService, lr, ['spec', 'target', 'service'], { name: t.service, suggestion: ctx.suggest(t.service, ctx.services.keys()) });
      } else {
        known = svc.resource.spec.ports.map((p) => p.name);
        targetName = t.service;
        sidecar = svc.resource.spec.sidecar !== false;
      }
    } else {
      const gw = ctx.gateways.get(t.gateway);
      if (!gw) {
        if (ctx.reportable('Gateway', t.gateway)) ctx.report(CheckCodes.UnknownGateway, lr, ['spec', 'target', 'gateway'], { name: t.gateway, suggestion: ctx.suggest(t.gateway, ctx.gateways.keys()) });
      } else {
        known = gw.resource.spec.listeners.map((l) => l.name);
        targetName = t.gateway;
      }
    }
    if (known) {
      (spec.ports ?? []).forEach((p, i) => {
        if (!known!.includes(p)) {
          ctx.report(CheckCodes.UnknownPort, lr, ['spec', 'ports', i], {
            owner: 'service' in t ? 'service' : 'gateway', service: targetName, what: 'service' in t ? 'port' : 'listener', name: p,
            suggestion: ctx.suggest(p, known!), known: known!.join(', '),
          });
        }
      });
      const needsHttp = spec.type === 'jwt' ? '`jwt`' : (spec.type === 'allow' || spec.type === 'deny') && spec.http ? '`http` conditions' : undefined;
      if (needsHttp) {
        const tcp = filterPorts(ctx, lr.resource).filter((p) => !isHttpProtocol(p.protocol) && p.protocol !== 'https');
        for (const p of tcp) {
          ctx.report(CheckCodes.HttpFeatureOnTcp, lr, [spec.type === 'jwt' ? 'spec' : 'spec', spec.type === 'jwt' ? 'type' : 'http'], {
            feature: needsHttp, where: `port "${p.name}" of ${targetName}`, protocol: 'tcp',
          }, { which: spec.type === 'jwt' ? 'value' : 'key' });
        }
        if (!sidecar) {
          ctx.report(CheckCodes.FilterOnSidecarless, lr, ['spec', spec.type === 'jwt' ? 'type' : 'http'], { feature: needsHttp, service: targetName }, {
            which: spec.type === 'jwt' ? 'value' : 'key',
          });
        }
      }
    }
    if (spec.type === 'allow' || spec.type === 'deny') {
      (spec.from ?? []).forEach((src, i) => {
        if ('service' in src) {
          if (!ctx.services.has(src.service)) {
            if (ctx.reportable('Service', src.service)) ctx.report(CheckCodes.UnknownService, lr, ['spec', 'from', i, 'service'], { name: src.service, suggestion: ctx.suggest(src.service, ctx.services.keys()) });
          } else if ('gateway' in t) {
            ctx.report(CheckCodes.GatewaySourceOnGateway, lr, ['spec', 'from', i, 'service'], { kind: 'service', name: src.service });
          }
        } else if ('gateway' in src) {
          if (!ctx.gateways.has(src.gateway)) {
            if (ctx.reportable('Gateway', src.gateway)) ctx.report(CheckCodes.UnknownGateway, lr, ['spec', 'from', i, 'gateway'], { name: src.gateway, suggestion: ctx.suggest(src.gateway, ctx.gateways.keys()) });
          } else if ('gateway' in t) {
            ctx.report(CheckCodes.GatewaySourceOnGateway, lr, ['spec', 'from', i, 'gateway'], { kind: 'gateway', name: src.gateway });
          }
        } else {
          const c = parseCidr(src.cidr);
          if ('error' in c) ctx.report(CheckCodes.BadAddress, lr, ['spec', 'from', i, 'cidr'], { value: src.cidr, what: c.error });
          else if (c.hostBits) ctx.report(CheckCodes.CidrHostBits, lr, ['spec', 'from', i, 'cidr'], { cidr: src.cidr, normalised: c.cidr });
        }
      });
    }
    if (spec.type === 'jwt') checkJwks(ctx, lr);
  }
  checkJwtIssuers(ctx);
}

/**
 * Every jwt Filter on a port must pass (as Envoy's `requires_all`, and HAProxy's checks in turn):
 * two with different issuers there can never both pass with one token, so every request is refused.
 */
function checkJwtIssuers(ctx: CheckContext): void {
  const first = new Map<string, LocatedResource<FilterResource>>();
  for (const lr of ctx.filters.values()) {
    const spec = lr.resource.spec;
    if (spec.type !== 'jwt') continue;
    const t = spec.target;
    const target = 'service' in t ? `service "${t.service}"` : `gateway "${t.gateway}"`;
    for (const port of filterPorts(ctx, lr.resource)) {
      const key = `${target} ${port.name}`;
      const other = first.get(key);
      if (!other) {
        first.set(key, lr);
        continue;
      }
      const otherSpec = other.resource.spec as Extract<FilterResource['spec'], { type: 'jwt' }>;
      if (otherSpec.jwt.issuer === spec.jwt.issuer) continue;
      ctx.report(CheckCodes.JwtIssuersConflict, lr, ['spec', 'jwt', 'issuer'], { target, port: port.name, first: other.resource.metadata.name, second: lr.resource.metadata.name }, {
        related: [{ span: ctx.span(other, ['spec', 'jwt', 'issuer']), message: 'the other issuer' }],
      });
    }
  }
}

function checkJwks(ctx: CheckContext, lr: LocatedResource<FilterResource>): void {
  const spec = lr.resource.spec;
  if (spec.type !== 'jwt') return;
  const file = spec.jwt.jwksFile;
  const read = readReferencedFile(lr.doc.source, file);
  const at = ['spec', 'jwt', 'jwksFile'];
  if ('error' in read) {
    ctx.report(LoadCodes.UnreadableFile, lr, at, { path: file, reason: read.error });
    return;
  }
  let problem: string | undefined;
  try {
    const v = JSON.parse(read.text) as { keys?: unknown };
    if (v === null || typeof v !== 'object' || !Array.isArray(v.keys)) problem = 'no "keys" array';
    else if (v.keys.length === 0) problem = 'the "keys" array is empty';
    else if (v.keys.some((k) => k === null || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string')) problem = 'a key has no "kty"';
    else if (v.keys.some((k) => 'd' in (k as object) || 'p' in (k as object) || 'k' in (k as object))) problem = 'it holds private or symmetric key material';
  } catch (err) {
    problem = `not JSON (${(err as Error).message})`;
  }
  if (problem) {
    ctx.report(CheckCodes.BadJwks, lr, at, { file, problem });
    return;
  }
  ctx.jwks.set(lr.resource.metadata.name, read.text);
}
