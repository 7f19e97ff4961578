/**
 * Resolution rules shared by the checker (which reports when they fail) and the lowering (which
 * relies on them succeeding): default ports of backends, which gateway listeners a route attaches
 * to, and with which hosts.
 * @module
 */
import type { LocatedResource } from '../dsl/source.js';
import type { GatewayResource, Listener, RouteResource, ServiceResource } from '../dsl/types.js';

/**
 * The port name a backend (or mirror) refers to: its own `port`; else the route's port when it is
 * the route's own service; else the service's only port.
 */
export function backendPortName(
  route: RouteResource,
  routePort: string | undefined,
  backendSvc: ServiceResource,
  port: string | undefined,
): string | undefined {
  if (port !== undefined) return port;
  if (route.spec.service === backendSvc.metadata.name && routePort !== undefined) return routePort;
  return backendSvc.spec.ports.length === 1 ? backendSvc.spec.ports[0]!.name : undefined;
}

/** The port name a service route applies to (explicit, or the only port). */
export function routePortName(route: RouteResource, svc: ServiceResource): string | undefined {
  if (route.spec.port !== undefined) return route.spec.port;
  return svc.spec.ports.length === 1 ? svc.spec.ports[0]!.name : undefined;
}

/** Whether host pattern `p` matches host (or pattern) `h`. */
export function hostCovers(p: string, h: string): boolean {
  if (p === '*' || p === h) return true;
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".example.com"
    return h.endsWith(suffix) && h.length > suffix.length && h !== '*';
  }
  return false;
}

/** The hosts two host lists have in common (the narrower pattern of each overlapping pair). */
export function intersectHosts(routeHosts: readonly string[], listenerHosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const r of routeHosts) {
    for (const l of listenerHosts) {
      const h = hostCovers(l, r) ? r : hostCovers(r, l) ? l : undefined;
      if (h !== undefined && !out.includes(h)) out.push(h);
    }
  }
  return out;
}

/** One route attached to one listener. */
export interface Attachment {
  route: LocatedResource<RouteResource>;
  listener: Listener;
  listenerIndex: number;
  /** Effective hosts (HTTP listeners); empty for TCP. */
  hosts: string[];
}

/** A route that could not attach where it asked to. */
export interface AttachProblem {
  route: LocatedResource<RouteResource>;
  /** The listener it named or was tried on; undefined when the gateway has no HTTP listener. */
  listener?: Listener;
  /** The route's hosts that found no listener host. */
  hosts: string[];
}

/**
 * Attaches a gateway's routes (sorted by name) to its listeners: a route naming a listener
 * (`port`) attaches to it; otherwise to every http/https listener whose hosts overlap. Unknown
 * listener names are skipped here (the checker reports them).
 */
export function attachGatewayRoutes(
  gw: GatewayResource,
  routes: readonly LocatedResource<RouteResource>[],
): { attachments: Attachment[]; problems: AttachProblem[] } {
  const attachments: Attachment[] = [];
  const problems: AttachProblem[] = [];
  const listeners = gw.spec.listeners;
  for (const route of routes) {
    const named = route.resource.spec.port;
    const candidates = named !== undefined
      ? listeners.map((l, i) => ({ l, i })).filter(({ l }) => l.name === named)
      : listeners.map((l, i) => ({ l, i })).filter(({ l }) => l.protocol !== 'tcp');
    if (named !== undefined && candidates.length === 0) continue; // unknown listener: reported elsewhere
    let attached = 0;
    for (const { l, i } of candidates) {
      if (l.protocol === 'tcp') {
        attachments.push({ route, listener: l, listenerIndex: i, hosts: [] });
        attached++;
        continue;
      }
      const lh = l.hosts && l.hosts.length > 0 ? l.hosts : ['*'];
      const rh = route.resource.spec.hosts && route.resource.spec.hosts.length > 0 ? route.resource.spec.hosts : undefined;
      const hosts = rh ? intersectHosts(rh, lh) : lh;
      if (hosts.length === 0) {
        if (named !== undefined) problems.push({ route, listener: l, hosts: rh ?? [] });
        continue;
      }
      attachments.push({ route, listener: l, listenerIndex: i, hosts });
      attached++;
    }
    if (attached === 0 && named === undefined) {
      const http = candidates[0]?.l;
      const p: AttachProblem = { route, hosts: route.resource.spec.hosts ?? [] };
      if (http) p.listener = http;
      problems.push(p);
    }
  }
  return { attachments, problems };
}
