/**
 * Checks of services: ports, endpoints, versions, balancing, `uses`.
 * @module
 */
import type { LocatedResource, ValuePath } from '../dsl/source.js';
import type { ServiceResource } from '../dsl/types.js';
import { CheckCodes } from './codes.js';
import type { CheckContext } from './context.js';
import { parseEndpoint } from './values.js';

/** Defaults of the sidecar ports, needed to find conflicts. */
export const DEFAULT_ADMIN_PORT = 15000;
export const DEFAULT_INBOUND_PORT = 15006;

/** The sidecar port of the i-th port of a service. */
export function sidecarPortOf(svc: ServiceResource, i: number, inboundPort: number): number {
  const p = svc.spec.ports[i]!;
  if (svc.spec.sidecar === false) return p.port;
  return p.sidecarPort ?? inboundPort + i;
}

export function checkServices(ctx: CheckContext): void {
  const inboundPort = ctx.mesh?.resource.spec.sidecar?.inboundPort ?? DEFAULT_INBOUND_PORT;
  const adminPort = ctx.mesh?.resource.spec.sidecar?.adminPort ?? DEFAULT_ADMIN_PORT;
  for (const lr of ctx.services.values()) {
    checkPorts(ctx, lr, inboundPort, adminPort);
    checkEndpoints(ctx, lr);
    checkBalancing(ctx, lr);
    checkUses(ctx, lr);
    const s = lr.resource.spec;
    if (!s.workload && !hasEndpoints(lr.resource)) {
      ctx.report(CheckCodes.NoWorkload, lr, ['metadata', 'name'], { service: lr.resource.metadata.name });
    }
  }
}

/** Whether a service runs on hosts outside Kubernetes (it or a version lists endpoints). */
export function hasEndpoints(svc: ServiceResource): boolean {
  if ((svc.spec.endpoints?.length ?? 0) > 0) return true;
  return Object.values(svc.spec.versions ?? {}).some((v) => (v.endpoints?.length ?? 0) > 0);
}

function checkPorts(ctx: CheckContext, lr: LocatedResource<ServiceResource>, inboundPort: number, adminPort: number): void {
  const svc = lr.resource;
  const name = svc.metadata.name;
  const names = new Map<string, number>();
  /** A port's use: where it is set in this service (`path`), or in the Mesh (`mesh`), or neither (a default). */
  type Use = { what: string; path?: ValuePath; mesh?: ValuePath };
  const bound = new Map<number, Use>();
  const claim = (port: number, use: Use) => {
    const first = bound.get(port);
    if (!first) {
      bound.set(port, use);
      return;
    }
    // Reported in this service where the second use is set, or else where the first one is; the
    // other use is the related span, when it is set anywhere.
    const other = use.path ? first : use;
    const at = use.path ?? first.path ?? ['metadata', 'name'];
    const where = other.path ? ctx.span(lr, other.path) : other.mesh && ctx.mesh ? ctx.span(ctx.mesh, other.mesh) : undefined;
    ctx.report(CheckCodes.PortConflict, lr, at, { port, owner: 'service', service: name, first: first.what, second: use.what }, {
      related: where ? [{ span: where, message: `${other.what} is here` }] : [],
    });
  };
  const sidecar = svc.spec.sidecar !== false;
  svc.spec.ports.forEach((p, i) => {
    const prior = names.get(p.name);
    if (prior !== undefined) {
      ctx.report(CheckCodes.DuplicatePortName, lr, ['spec', 'ports', i, 'name'], { owner: 'service', service: name, what: 'port', name: p.name }, {
        related: [{ span: ctx.span(lr, ['spec', 'ports', prior, 'name']), message: 'first declared here' }],
      });
    } else names.set(p.name, i);
    claim(p.port, { what: `app port "${p.name}"`, path: ['spec', 'ports', i, 'port'] });
  });
  if (!sidecar) return;
  svc.spec.ports.forEach((p, i) => {
    const path: ValuePath = p.sidecarPort !== undefined ? ['spec', 'ports', i, 'sidecarPort'] : ['spec', 'ports', i];
    claim(sidecarPortOf(svc, i, inboundPort), { what: `sidecar port of "${p.name}"`, path });
  });
  const meshSidecar = ctx.mesh?.resource.spec.sidecar;
  claim(adminPort, { what: 'the sidecar admin port', mesh: meshSidecar?.adminPort !== undefined ? ['spec', 'sidecar', 'adminPort'] : undefined });
  const locals = new Map<number, ValuePath>();
  (svc.spec.uses ?? []).forEach((u, i) => {
    const callee = ctx.services.get(u.service);
    const port = callee ? ctx.port(callee.resource, u.port) : undefined;
    const local = u.localPort ?? port?.port;
    if (local === undefined) return; // reported by checkUses
    const path: ValuePath = u.localPort !== undefined ? ['spec', 'uses', i, 'localPort'] : ['spec', 'uses', i];
    const firstLocal = locals.get(local);
    if (firstLocal) {
      ctx.report(CheckCodes.LocalPortCollision, lr, path, { port: local }, {
        related: [{ span: ctx.span(lr, firstLocal), message: 'first used here' }],
      });
      return;
    }
    locals.set(local, path);
    claim(local, { what: `local port of uses[${i}] (${u.service})`, path });
  });
}

function checkEndpoints(ctx: CheckContext, lr: LocatedResource<ServiceResource>): void {
  const svc = lr.resource;
  const sidecar = svc.spec.sidecar !== false;
  const check = (list: string[] | undefined, base: ValuePath) => {
    (list ?? []).forEach((e, i) => {
      const p = parseEndpoint(e);
      if ('error' in p) {
        ctx.report(CheckCodes.BadAddress, lr, [...base, i], { value: e, what: p.error });
      } else if (p.port !== undefined && sidecar) {
        ctx.report(CheckCodes.EndpointPort, lr, [...base, i], { endpoint: e, service: svc.metadata.name });
      } else if (p.port !== undefined && svc.spec.ports.length > 1) {
        ctx.report(CheckCodes.EndpointPortAmbiguous, lr, [...base, i], { endpoint: e, service: svc.metadata.name, count: svc.spec.ports.length });
      }
    });
  };
  check(svc.spec.endpoints, ['spec', 'endpoints']);
  const versions = svc.spec.versions ?? {};
  const anyEndpoints = hasEndpoints(svc);
  for (const [v, def] of Object.entries(versions)) {
    check(def.endpoints, ['spec', 'versions', v, 'endpoints']);
    if (anyEndpoints && (def.endpoints?.length ?? 0) === 0) {
      ctx.report(CheckCodes.VersionEndpoints, lr, ['spec', 'versions', v], { version: v, service: svc.metadata.name }, { which: 'key' });
    }
  }
}

function checkBalancing(ctx: CheckContext, lr: LocatedResource<ServiceResource>): void {
  const lb = lr.resource.spec.loadBalancer;
  if (!lb) return;
  const hashing = lb.policy === 'ring-hash' || lb.policy === 'maglev';
  if (hashing && lb.hashOn === undefined) {
    ctx.report(CheckCodes.HashOnRequired, lr, ['spec', 'loadBalancer', 'policy'], { policy: lb.policy });
  } else if (!hashing && lb.hashOn !== undefined) {
    ctx.report(CheckCodes.HashOnIgnored, lr, ['spec', 'loadBalancer', 'hashOn'], { policy: lb.policy }, { which: 'key' });
  }
}

function checkUses(ctx: CheckContext, lr: LocatedResource<ServiceResource>): void {
  const svc = lr.resource;
  const uses = svc.spec.uses ?? [];
  if (uses.length > 0 && svc.spec.sidecar === false) {
    ctx.report(CheckCodes.UsesWithoutSidecar, lr, ['spec', 'uses'], { service: svc.metadata.name }, { which: 'key' });
  }
  const seen = new Map<string, number>();
  uses.forEach((u, i) => {
    const callee = ctx.services.get(u.service);
    if (!callee) {
      if (ctx.reportable('Service', u.service)) ctx.report(CheckCodes.UnknownService, lr, ['spec', 'uses', i, 'service'], {
        name: u.service,
        suggestion: ctx.suggest(u.service, ctx.services.keys()),
      });
      return;
    }
    const port = resolvePortRef(ctx, lr, ['spec', 'uses', i], callee.resource, u.port);
    if (!port) return;
    const key = `${u.service}/${port}`;
    const prior = seen.get(key);
    if (prior !== undefined) {
      ctx.report(CheckCodes.DuplicateUse, lr, ['spec', 'uses', i], { service: u.service, port }, {
        related: [{ span: ctx.span(lr, ['spec', 'uses', prior]), message: 'first used here' }],
      });
    } else seen.set(key, i);
  });
}

/**
 * Resolves an optional port reference (`<at>.port`) against a service; reports unknown or missing
 * ports. Returns the port's name, or undefined after reporting.
 */
export function resolvePortRef(
  ctx: CheckContext,
  lr: LocatedResource,
  at: ValuePath,
  svc: ServiceResource,
  name: string | undefined,
): string | undefined {
  const known = svc.spec.ports.map((p) => p.name);
  if (name === undefined) {
    if (svc.spec.ports.length === 1) return svc.spec.ports[0]!.name;
    ctx.report(CheckCodes.PortRequired, lr, at, { service: svc.metadata.name, count: svc.spec.ports.length, known: known.join(', ') });
    return undefined;
  }
  if (!known.includes(name)) {
    ctx.report(CheckCodes.UnknownPort, lr, [...at, 'port'], {
      owner: 'service', service: svc.metadata.name, what: 'port', name,
      suggestion: ctx.suggest(name, known), known: known.join(', '),
    });
    return undefined;
  }
  return name;
}
