/**
 * The policy check: a `uses` dependency (or a gateway route) that the callee's Filters and the
 * mesh's default action would refuse for every call fails at run time; say so at build time.
 * @module
 */
import type { LocatedResource, ValuePath } from '../dsl/source.js';
import type { FilterResource, Source } from '../dsl/types.js';
import { CheckCodes } from './codes.js';
import type { CheckContext } from './context.js';
import { filterPorts } from './filters.js';
import { routePortName } from './resolve.js';

type Verdict = 'refused' | 'admitted' | 'unknown';

/** Filters per target service, for one pass over all filters (linear). */
function filtersByService(ctx: CheckContext): Map<string, FilterResource[]> {
  const out = new Map<string, FilterResource[]>();
  for (const f of ctx.filters.values()) {
    const t = f.resource.spec.target;
    if (!('service' in t)) continue;
    let list = out.get(t.service);
    if (!list) out.set(t.service, (list = []));
    list.push(f.resource);
  }
  return out;
}

/** How a source entry relates to a caller: definitely it, maybe it (a CIDR), or not it. */
function sourceMatches(src: Source, caller: { kind: 'service' | 'gateway'; name: string }): 'yes' | 'maybe' | 'no' {
  if ('cidr' in src) return 'maybe';
  if ('service' in src) return caller.kind === 'service' && src.service === caller.name ? 'yes' : 'no';
  return caller.kind === 'gateway' && src.gateway === caller.name ? 'yes' : 'no';
}

/** The verdict of a callee port's filters on every request from a caller. */
export function verdict(
  filters: readonly FilterResource[],
  ctx: CheckContext,
  port: string,
  caller: { kind: 'service' | 'gateway'; name: string },
  defaultAction: 'deny' | 'allow',
): { verdict: Verdict; reason: string } {
  let allowMaybe = false;
  let allowYes = false;
  for (const f of filters) {
    if (!filterPorts(ctx, f).some((p) => p.name === port)) continue;
    const s = f.spec;
    if (s.type !== 'allow' && s.type !== 'deny') continue;
    const m = s.from ? s.from.map((x) => sourceMatches(x, caller)) : ['yes'];
    const match = m.includes('yes') ? 'yes' : m.includes('maybe') ? 'maybe' : 'no';
    if (match === 'no') continue;
    if (s.type === 'deny') {
      if (match === 'yes' && !s.http) return { verdict: 'refused', reason: `deny Filter "${f.metadata.name}" refuses it` };
    } else if (match === 'yes' && !s.http) allowYes = true;
    else allowMaybe = true;
  }
  if (allowYes || defaultAction === 'allow') return { verdict: 'admitted', reason: '' };
  if (allowMaybe) return { verdict: 'unknown', reason: '' };
  return { verdict: 'refused', reason: 'no allow Filter admits it and the mesh denies by default' };
}

export function checkPolicy(ctx: CheckContext): void {
  const defaultAction = ctx.mesh?.resource.spec.defaultAction ?? 'deny';
  const byService = filtersByService(ctx);
  const warn = (lr: LocatedResource, path: ValuePath, caller: string, callee: string, reason: string) =>
    ctx.report(CheckCodes.UseRefused, lr, path, { caller, callee, reason });
  for (const lr of ctx.services.values()) {
    if (lr.resource.spec.sidecar === false) continue;
    (lr.resource.spec.uses ?? []).forEach((u, i) => {
      const callee = ctx.services.get(u.service);
      if (!callee) return;
      const port = u.port ?? (callee.resource.spec.ports.length === 1 ? callee.resource.spec.ports[0]!.name : undefined);
      if (port === undefined || !callee.resource.spec.ports.some((p) => p.name === port)) return;
      const v = verdict(byService.get(u.service) ?? [], ctx, port, { kind: 'service', name: lr.resource.metadata.name }, defaultAction);
      if (v.verdict === 'refused') warn(lr, ['spec', 'uses', i], lr.resource.metadata.name, u.service, v.reason);
    });
  }
  // Gateway routes: the gateway calls each backend service.
  for (const lr of ctx.routes.values()) {
    const gw = lr.resource.spec.gateway;
    if (gw === undefined || !ctx.gateways.has(gw) || lr.resource.spec.service !== undefined) continue;
    lr.resource.spec.rules.forEach((rule, i) => {
      (rule.backends ?? []).forEach((b, j) => {
        const svc = ctx.services.get(b.service);
        if (!svc) return;
        const port = b.port ?? routePortName({ ...lr.resource, spec: { ...lr.resource.spec, port: undefined } }, svc.resource);
        if (port === undefined || !svc.resource.spec.ports.some((p) => p.name === port)) return;
        const v = verdict(byService.get(b.service) ?? [], ctx, port, { kind: 'gateway', name: gw }, defaultAction);
        if (v.verdict === 'refused') warn(lr, ['spec', 'rules', i, 'backends', j], `gateway ${gw}`, b.service, v.reason);
      });
    });
  }
}
