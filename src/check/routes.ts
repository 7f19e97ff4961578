/**
 * Checks of routes: targets, ports, actions, backends, protocols, regexes, shadowed rules.
 * @module
 */
import type { LocatedResource, ValuePath } from '../dsl/source.js';
import type { Match, RouteResource, RouteRule, StringMatch } from '../dsl/types.js';
import { CheckCodes } from './codes.js';
import { isHttpProtocol, type CheckContext } from './context.js';
import { backendPortName, routePortName } from './resolve.js';
import { parseDuration, regexProblem } from './values.js';

/** Rule features that need HTTP, by key. */
const HTTP_ONLY: (keyof RouteRule)[] = ['match', 'redirect', 'directResponse', 'retries', 'rewrite', 'headers', 'mirror', 'fault', 'cors'];

export function checkRoutes(ctx: CheckContext): void {
  const claimed = new Map<string, LocatedResource<RouteResource>>();
  for (const lr of ctx.routes.values()) {
    const spec = lr.resource.spec;
    const hasSvc = spec.service !== undefined;
    const hasGw = spec.gateway !== undefined;
    if (hasSvc === hasGw) {
      ctx.report(CheckCodes.RouteTarget, lr, ['spec'], {}, { which: 'key' });
      continue;
    }
    let protocol: string | undefined; // the protocol of the traffic the route steers
    let where = '';
    let routePort: string | undefined;
    if (hasSvc) {
      if (spec.hosts !== undefined) ctx.report(CheckCodes.HostsOnServiceRoute, lr, ['spec', 'hosts'], {}, { which: 'key' });
      const svc = ctx.services.get(spec.service!);
      if (!svc) {
        if (ctx.reportable('Service', spec.service!)) ctx.report(CheckCodes.UnknownService, lr, ['spec', 'service'], { name: spec.service!, suggestion: ctx.suggest(spec.service!, ctx.services.keys()) });
      } else {
        const known = svc.resource.spec.ports.map((p) => p.name);
        routePort = routePortName(lr.resource, svc.resource);
        if (spec.port !== undefined && !known.includes(spec.port)) {
          ctx.report(CheckCodes.UnknownPort, lr, ['spec', 'port'], {
            owner: 'service', service: svc.resource.metadata.name, what: 'port', name: spec.port,
            suggestion: ctx.suggest(spec.port, known), known: known.join(', '),
          });
          routePort = undefined;
        } else if (routePort === undefined) {
          ctx.report(CheckCodes.PortRequired, lr, ['spec', 'service'], { service: svc.resource.metadata.name, count: known.length, known: known.join(', ') });
        } else {
          const port = ctx.port(svc.resource, routePort)!;
          protocol = port.protocol ?? 'http';
          where = `port "${routePort}" of ${svc.resource.metadata.name}`;
          const key = `${spec.service}/${routePort}`;
          const other = claimed.get(key);
          if (other) {
            ctx.report(CheckCodes.DuplicateRoute, lr, ['metadata', 'name'], { service: spec.service!, port: routePort, other: other.resource.metadata.name }, {
              related: [{ span: ctx.span(other, ['metadata', 'name']), message: 'the other Route' }],
            });
          } else claimed.set(key, lr);
        }
      }
    } else {
      const gw = ctx.gateways.get(spec.gateway!);
      if (!gw) {
        if (ctx.reportable('Gateway', spec.gateway!)) ctx.report(CheckCodes.UnknownGateway, lr, ['spec', 'gateway'], { name: spec.gateway!, suggestion: ctx.suggest(spec.gateway!, ctx.gateways.keys()) });
      } else if (spec.port !== undefined) {
        const l = gw.resource.spec.listeners.find((x) => x.name === spec.port);
        const known = gw.resource.spec.listeners.map((x) => x.name);
        if (!l) {
          ctx.report(CheckCodes.UnknownPort, lr, ['spec', 'port'], {
            owner: 'gateway', service: gw.resource.metadata.name, what: 'listener', name: spec.port,
            suggestion: ctx.suggest(spec.port, known), known: known.join(', '),
          });
        } else {
          protocol = l.protocol === 'tcp' ? 'tcp' : 'http';
          where = `listener "${l.name}" of gateway ${gw.resource.metadata.name}`;
          if (l.protocol === 'tcp' && spec.hosts !== undefined) {
            ctx.report(CheckCodes.HttpFeatureOnTcp, lr, ['spec', 'hosts'], { feature: '`hosts`', where, protocol: 'tcp' }, { which: 'key' });
          }
        }
      } else {
        protocol = 'http';
        where = `gateway ${gw.resource.metadata.name}`;
      }
    }
    spec.rules.forEach((rule, i) => checkRule(ctx, lr, rule, i, protocol, where, routePort));
    if (protocol === 'tcp' && spec.rules.length > 1) ctx.report(CheckCodes.TooManyRules, lr, ['spec', 'rules', 1]);
    checkShadowing(ctx, lr);
  }
}

function checkRule(
  ctx: CheckContext,
  lr: LocatedResource<RouteResource>,
  rule: RouteRule,
  i: number,
  protocol: string | undefined,
  where: string,
  routePort: string | undefined,
): void {
  const at: ValuePath = ['spec', 'rules', i];
  const count = (rule.backends !== undefined ? 1 : 0) + (rule.redirect !== undefined ? 1 : 0) + (rule.directResponse !== undefined ? 1 : 0);
  if (count !== 1) {
    const actions = (['backends', 'redirect', 'directResponse'] as const).filter((k) => rule[k] !== undefined);
    ctx.report(CheckCodes.RuleActionCount, lr, actions.length > 1 ? [...at, actions[1]!] : at, {
      found: actions.length === 0 ? 'none' : actions.join(' and '),
    }, { which: 'key' });
  }
  const tcp = protocol === 'tcp';
  if (tcp) {
    for (const k of HTTP_ONLY) {
      if (rule[k] !== undefined) {
        ctx.report(CheckCodes.HttpFeatureOnTcp, lr, [...at, k], { feature: `\`${k}\``, where, protocol: 'tcp' }, { which: 'key' });
      }
    }
  }
  // Backends.
  const backends = rule.backends ?? [];
  for (let j = 0; j < backends.length; j++) {
    const b = backends[j]!;
    checkBackendRef(ctx, lr, ['spec', 'rules', i, 'backends', j], b.service, b.version, b.port, protocol, routePort);
  }
  if (backends.length > 0 && backends.every((b) => (b.weight ?? 1) === 0)) {
    ctx.report(CheckCodes.ZeroWeights, lr, [...at, 'backends'], {}, { which: 'key' });
  }
  if (rule.mirror && !tcp) {
    checkBackendRef(ctx, lr, [...at, 'mirror'], rule.mirror.service, rule.mirror.version, rule.mirror.port, protocol, routePort);
  }
  if (tcp) return;
  // Regular expressions.
  const m = rule.match;
  if (m?.path && 'regex' in m.path) checkRegex(ctx, lr, [...at, 'match', 'path', 'regex'], m.path.regex);
  for (const [kind, map] of [['headers', m?.headers], ['query', m?.query]] as const) {
    for (const [name, sm] of Object.entries(map ?? {})) {
      if ('regex' in sm) checkRegex(ctx, lr, [...at, 'match', kind, name, 'regex'], sm.regex);
    }
  }
  const rw = rule.rewrite?.path;
  if (rw && 'regex' in rw) checkRegex(ctx, lr, [...at, 'rewrite', 'path', 'regex', 'pattern'], rw.regex.pattern);
  if (rw && 'prefix' in rw && !(m?.path && 'prefix' in m.path)) {
    ctx.report(CheckCodes.PrefixRewriteWithoutPrefix, lr, [...at, 'rewrite', 'path', 'prefix'], {}, { which: 'key' });
  }
  if (rule.cors?.allowCredentials && rule.cors.allowOrigins.includes('*')) {
    ctx.report(CheckCodes.CorsCredentialsWildcard, lr, [...at, 'cors', 'allowCredentials']);
  }
  const r = rule.redirect;
  if (r && r.scheme === undefined && r.host === undefined && r.port === undefined && r.path === undefined) {
    ctx.report(CheckCodes.EmptyRedirect, lr, [...at, 'redirect'], {}, { which: 'key' });
  }
  const per = rule.retries?.perTryTimeout;
  if (per !== undefined && rule.timeout !== undefined) {
    const t = parseDuration(rule.timeout);
    if (t > 0 && parseDuration(per) >= t) {
      ctx.report(CheckCodes.PerTryTimeout, lr, [...at, 'retries', 'perTryTimeout'], { perTry: per, timeout: rule.timeout });
    }
  }
}

function checkRegex(ctx: CheckContext, lr: LocatedResource, path: ValuePath, re: string): void {
  const problem = regexProblem(re);
  if (problem) ctx.report(CheckCodes.BadRegex, lr, path, { problem });
}

function checkBackendRef(
  ctx: CheckContext,
  lr: LocatedResource<RouteResource>,
  at: ValuePath,
  service: string,
  version: string | undefined,
  port: string | undefined,
  protocol: string | undefined,
  routePort: string | undefined,
): void {
  const svc = ctx.services.get(service);
  if (!svc) {
    if (ctx.reportable('Service', service)) ctx.report(CheckCodes.UnknownService, lr, [...at, 'service'], { name: service, suggestion: ctx.suggest(service, ctx.services.keys()) });
    return;
  }
  if (version !== undefined && !Object.prototype.hasOwnProperty.call(svc.resource.spec.versions ?? {}, version)) {
    const versions = Object.keys(svc.resource.spec.versions ?? {});
    ctx.report(CheckCodes.UnknownVersion, lr, [...at, 'version'], {
      service, name: version, suggestion: ctx.suggest(version, versions), known: versions.length ? versions.join(', ') : '(none)',
    });
  }
  // The port names, listed only for a report.
  const known = () => svc.resource.spec.ports.map((p) => p.name);
  const name = backendPortName(lr.resource, routePort, svc.resource, port);
  if (name === undefined) {
    const names = known();
    ctx.report(CheckCodes.PortRequired, lr, [...at, 'service'], { service, count: names.length, known: names.join(', ') });
    return;
  }
  const p = svc.resource.spec.ports.find((x) => x.name === name);
  if (!p) {
    const names = known();
    ctx.report(CheckCodes.UnknownPort, lr, [...at, 'port'], {
      owner: 'service', service, what: 'port', name, suggestion: ctx.suggest(name, names), known: names.join(', '),
    });
    return;
  }
  if (protocol !== undefined && protocol !== 'tcp' && !isHttpProtocol(p.protocol)) {
    ctx.report(CheckCodes.ProtocolMismatch, lr, [...at, port !== undefined ? 'port' : 'service'], {
      where: 'this route', from: 'HTTP', to: `port "${name}" of ${service} is tcp`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Shadowing: a rule whose every request also matches an earlier rule is unreachable.
// ---------------------------------------------------------------------------------------------

function checkShadowing(ctx: CheckContext, lr: LocatedResource<RouteResource>): void {
  const rules = lr.resource.spec.rules;
  for (let j = 1; j < rules.length; j++) {
    for (let i = 0; i < j; i++) {
      if (matchCovers(rules[i]!.match, rules[j]!.match)) {
        const name = rules[j]!.name ? `"${rules[j]!.name}"` : `#${j + 1}`;
        ctx.report(CheckCodes.RuleShadowed, lr, ['spec', 'rules', j], { rule: name }, {
          related: [{ span: ctx.span(lr, ['spec', 'rules', i]), message: 'this earlier rule matches first' }],
        });
        break;
      }
    }
  }
}

/** Whether every request matching `b` also matches `a` (conservative: false when unsure). */
export function matchCovers(a: Match | undefined, b: Match | undefined): boolean {
  if (!a) return true;
  if (a.path) {
    const bp = b?.path;
    if (!bp) return false;
    if ('exact' in a.path) {
      if (!('exact' in bp) || bp.exact !== a.path.exact) return false;
    } else if ('prefix' in a.path) {
      const v = 'exact' in bp ? bp.exact : 'prefix' in bp ? bp.prefix : undefined;
      if (v === undefined || !v.startsWith(a.path.prefix)) return false;
    } else {
      const re = a.path.regex;
      if ('regex' in bp) {
        if (bp.regex !== re) return false;
      } else if ('exact' in bp) {
        if (!fullMatch(re, bp.exact)) return false;
      } else return false;
    }
  }
  if (!mapCovers(a.headers, b?.headers)) return false;
  if (!mapCovers(a.query, b?.query)) return false;
  if (a.methods) {
    const bm = b?.methods;
    if (!bm || !bm.every((m) => a.methods!.includes(m))) return false;
  }
  return true;
}

function mapCovers(a: Record<string, StringMatch> | undefined, b: Record<string, StringMatch> | undefined): boolean {
  for (const [name, am] of Object.entries(a ?? {})) {
    const bm = b?.[name];
    if (!bm || !stringCovers(am, bm)) return false;
  }
  return true;
}

function stringCovers(a: StringMatch, b: StringMatch): boolean {
  if ('present' in a) {
    if (a.present) return !('present' in b) || b.present;
    return 'present' in b && !b.present;
  }
  if ('exact' in a) return 'exact' in b && b.exact === a.exact;
  if ('prefix' in a) {
    const v = 'exact' in b ? b.exact : 'prefix' in b ? b.prefix : undefined;
    return v !== undefined && v.startsWith(a.prefix);
  }
  if ('regex' in b) return b.regex === a.regex;
  if ('exact' in b) return fullMatch(a.regex, b.exact);
  return false;
}

function fullMatch(re: string, s: string): boolean {
  try {
    return new RegExp(`^(?:${re})$`).test(s);
  } catch {
    return false;
  }
}
