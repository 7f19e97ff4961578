/**
 * Checks of gateways: listeners, TLS, redirects, endpoints, route attachment and host conflicts.
 * @module
 */
import type { LocatedResource } from '../dsl/source.js';
import type { GatewayResource, RouteResource } from '../dsl/types.js';
import { CheckCodes } from './codes.js';
import type { CheckContext } from './context.js';
import { attachGatewayRoutes } from './resolve.js';
import { parseEndpoint } from './values.js';

/** The routes of each gateway, sorted by route name. */
export function routesByGateway(ctx: CheckContext): Map<string, LocatedResource<RouteResource>[]> {
  const out = new Map<string, LocatedResource<RouteResource>[]>();
  for (const r of [...ctx.routes.values()].sort((a, b) => (a.resource.metadata.name < b.resource.metadata.name ? -1 : 1))) {
    const g = r.resource.spec.gateway;
    if (g === undefined || r.resource.spec.service !== undefined) continue;
    let list = out.get(g);
    if (!list) out.set(g, (list = []));
    list.push(r);
  }
  return out;
}

export function checkGateways(ctx: CheckContext): void {
  const byGateway = routesByGateway(ctx);
  for (const lr of ctx.gateways.values()) {
    const gw = lr.resource;
    const name = gw.metadata.name;
    const names = new Map<string, number>();
    const ports = new Map<number, number>();
    const hasHttps = gw.spec.listeners.some((l) => l.protocol === 'https');
    gw.spec.listeners.forEach((l, i) => {
      const at = ['spec', 'listeners', i];
      const prior = names.get(l.name);
      if (prior !== undefined) {
        ctx.report(CheckCodes.DuplicatePortName, lr, [...at, 'name'], { owner: 'gateway', service: name, what: 'listener', name: l.name }, {
          related: [{ span: ctx.span(lr, ['spec', 'listeners', prior, 'name']), message: 'first declared here' }],
        });
      } else names.set(l.name, i);
      const priorPort = ports.get(l.port);
      if (priorPort !== undefined) {
        ctx.report(CheckCodes.PortConflict, lr, [...at, 'port'], {
          port: l.port, owner: 'gateway', service: name, first: `listener "${gw.spec.listeners[priorPort]!.name}"`, second: `listener "${l.name}"`,
        }, { related: [{ span: ctx.span(lr, ['spec', 'listeners', priorPort, 'port']), message: 'first used here' }] });
      } else ports.set(l.port, i);
      if (l.protocol === 'https') {
        if (!l.tls) ctx.report(CheckCodes.ListenerTls, lr, [...at, 'protocol'], { problem: `https listener "${l.name}" has no tls` });
        else {
          const n = (l.tls.certificateFile !== undefined ? 1 : 0) + (l.tls.secretName !== undefined ? 1 : 0);
          if (n !== 1) ctx.report(CheckCodes.ListenerTls, lr, [...at, 'tls'], { problem: `tls of listener "${l.name}" needs exactly one of certificateFile and secretName` }, { which: 'key' });
        }
      } else if (l.tls) {
        ctx.report(CheckCodes.ListenerTls, lr, [...at, 'tls'], { problem: `listener "${l.name}" is ${l.protocol}, not https: tls does not apply` }, { which: 'key' });
      }
      if (l.redirectToHttps) {
        if (l.protocol !== 'http') {
          ctx.report(CheckCodes.RedirectToHttps, lr, [...at, 'redirectToHttps'], { problem: `redirectToHttps applies to http listeners, not ${l.protocol}` }, { which: 'key' });
        } else if (!hasHttps) {
          ctx.report(CheckCodes.RedirectToHttps, lr, [...at, 'redirectToHttps'], { problem: `gateway "${name}" has no https listener to redirect to` }, { which: 'key' });
        }
      }
    });
    (gw.spec.endpoints ?? []).forEach((e, i) => {
      const p = parseEndpoint(e);
      if ('error' in p) ctx.report(CheckCodes.BadAddress, lr, ['spec', 'endpoints', i], { value: e, what: p.error });
      else if (p.port !== undefined) ctx.report(CheckCodes.BadAddress, lr, ['spec', 'endpoints', i], { value: e, what: 'gateway endpoint (no port: listeners give the ports)' });
    });
    // Route attachment: hosts in common, and each host of a listener owned by one route.
    const routes = byGateway.get(name) ?? [];
    const { attachments, problems } = attachGatewayRoutes(gw, routes);
    for (const p of problems) {
      ctx.report(CheckCodes.ListenerHosts, p.route, p.route.resource.spec.hosts ? ['spec', 'hosts'] : ['spec', 'gateway'], {
        route: p.route.resource.metadata.name,
        listener: p.listener?.name ?? '(no http or https listener)',
        hosts: p.hosts.length ? p.hosts.join(', ') : '(every host)',
        known: p.listener?.hosts?.join(', ') ?? '(none)',
      });
    }
    const owners = new Map<string, LocatedResource<RouteResource>>();
    const attachedListeners = new Set<string>();
    for (const a of attachments) {
      attachedListeners.add(a.listener.name);
      if (a.listener.protocol === 'tcp') {
        const key = `${a.listener.name}\0tcp`;
        const other = owners.get(key);
        if (other && other !== a.route) {
          ctx.report(CheckCodes.HostConflict, a.route, ['spec', 'port'], { host: '(tcp)', listener: a.listener.name, gateway: name, other: other.resource.metadata.name }, {
            related: [{ span: ctx.span(other, ['metadata', 'name']), message: 'the other Route' }],
          });
        } else owners.set(key, a.route);
        continue;
      }
      for (const h of a.hosts) {
        const key = `${a.listener.name}\0${h}`;
        const other = owners.get(key);
        if (other && other !== a.route) {
          const idx = a.route.resource.spec.hosts?.indexOf(h) ?? -1;
          ctx.report(CheckCodes.HostConflict, a.route, idx >= 0 ? ['spec', 'hosts', idx] : ['spec', 'gateway'], {
            host: h, listener: a.listener.name, gateway: name, other: other.resource.metadata.name,
          }, { related: [{ span: ctx.span(other, ['metadata', 'name']), message: 'the other Route' }] });
        } else owners.set(key, a.route);
      }
    }
    gw.spec.listeners.forEach((l, i) => {
      if (!attachedListeners.has(l.name) && !l.redirectToHttps) {
        ctx.report(CheckCodes.ListenerWithoutRoute, lr, ['spec', 'listeners', i, 'name'], {
          listener: l.name, gateway: name, behaviour: l.protocol === 'tcp' ? 'closes every connection' : 'answers 404 to every request',
        });
      }
    });
  }
}
