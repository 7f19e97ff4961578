/**
 * One config per proxy: a service's sidecar (outbound listeners for what it `uses`, inbound ports
 * with their Filters, the app behind them) or a gateway (its listeners, their Filters and routes).
 * A sidecar's config is built from the service's own IR node only (its `outbound`, `clusters` and
 * `inbound`), so its size depends on what it uses, never on the size of the mesh.
 * @module
 */
import type { EmitContext, OutputFile } from '../../src/target/types.js';
import type { GatewayIR, InboundIR, ListenerIR, MeshIR, OutboundIR, PortIR, RuleIR, ServiceIR } from '../../src/ir/types.js';
import { Backends, isH2, ms } from './backends.js';
import { ProxyBuild, type HaproxyEmitOptions } from './build.js';
import { L, Lif, type Line, type Section } from './model.js';
import { policy } from './policy.js';
import { renderConfig } from './render.js';
import { route } from './router.js';

/** The largest timeout of some rules (0 = none wins), for client-side and app-side timeouts. */
function longest(rules: readonly RuleIR[], floorMs: number): number {
  let t = floorMs;
  for (const r of rules) {
    if (r.timeoutMs === 0) return 0;
    t = Math.max(t, r.timeoutMs);
  }
  return t;
}

/** `bind` lines for a listening port. */
function binds(build: ProxyBuild, port: number, ipv6: boolean, extra: string[]): Line[] {
  const addr = build.options.listenAddress;
  if (addr !== undefined) return [L('bind', addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`, ...extra)];
  const out = [L('bind', `:${port}`, ...extra)];
  if (ipv6) out.push(L('bind', `:::${port}`, 'v6only', ...extra));
  return out;
}

/** A TCP frontend's weighted choice among the first rule's backends (TCP rules match nothing). */
function tcpRouting(backends: Backends, rules: readonly RuleIR[]): Line[] {
  const rule = rules[0];
  if (!rule || rule.action.kind !== 'forward') return [L('tcp-request', 'content', 'reject')];
  const live = rule.action.backends.filter((b) => b.weight > 0);
  const names = live.map((b) => backends.forRule(b.cluster, rule, false));
  if (live.length === 1 || new Set(names).size === 1) return [L('default_backend', names[0]!)];
  const total = live.reduce((n, b) => n + b.weight, 0);
  const lines: Line[] = [L('tcp-request', 'content', 'set-var(sess.split)', `rand(${total})`)];
  let lo = 0;
  live.forEach((b, i) => {
    const hi = lo + b.weight - 1;
    lines.push(Lif([[{ fetch: 'var(sess.split)', match: 'int', ops: [`${lo}:${hi}`] }]], 'use_backend', names[i]!));
    lo = hi + 1;
  });
  lines.push(L('default_backend', names[names.length - 1]!));
  return lines;
}

/** An outbound listener: the app calls 127.0.0.1:localPort. */
/**
 * A path that is not normal — an empty segment (`//`), or a `.` or `..` segment, also
 * percent-encoded — is refused (400) before any Filter or route reads it. Envoy normalises such a
 * path first (`normalize_path`, `merge_slashes`); HAProxy 2.6 can only with an experimental
 * directive, and matched raw, `/public//admin/x` or `/public/../private` would slip past a path
 * Filter or a prefix route.
 */
const ABNORMAL_PATH = '//|(^|/)(\\.|%2[eE]){1,2}(/|$)';

function refuseAbnormalPath(): Line {
  return Lif([[{ fetch: 'path', match: 'reg', patterns: [ABNORMAL_PATH] }]], 'http-request', 'deny', 'deny_status', '400');
}

function outboundSection(build: ProxyBuild, backends: Backends, o: OutboundIR): Section {
  const name = `out.${o.service}.${o.port}`;
  const lines: Line[] = [];
  if (!o.isHttp) {
    lines.push(L('mode', 'tcp'), L('bind', `127.0.0.1:${o.localPort}`), L('option', 'tcplog'));
    lines.push(L('timeout', 'client', ms(longest(o.rules, 1000))));
    lines.push(...tcpRouting(backends, o.rules));
    return { keyword: 'frontend', name, comment: `outbound: ${o.service} port ${o.port} on 127.0.0.1:${o.localPort}`, lines };
  }
  lines.push(L('mode', 'http'), L('bind', `127.0.0.1:${o.localPort}`, ...(isH2(o.protocol) ? ['proto', 'h2'] : [])), L('option', 'httplog'));
  lines.push(L('timeout', 'client', ms(longest(o.rules, 60_000))));
  lines.push(refuseAbnormalPath());
  const r = route(build, backends, { frontend: name, vhosts: [{ hosts: [], rules: o.rules }], hostRouting: false, scheme: 'http' });
  lines.push(...r.request, ...r.response, ...r.use);
  return { keyword: 'frontend', name, comment: `outbound: ${o.service} port ${o.port} on 127.0.0.1:${o.localPort}${o.route ? `, route ${o.route}` : ''}`, lines };
}

/** A sidecar inbound port: TLS per `mtls`, the port's Filters, then the app. */
function inboundSections(build: ProxyBuild, ir: MeshIR, svc: ServiceIR, port: PortIR, inbound: InboundIR): Section[] {
  const mtls = ir.mesh.mtls;
  const name = `in.${port.name}`;
  const http = port.isHttp;
  const h2 = isH2(port.protocol);
  const app = `_app.${port.name}`;
  const ipv6 = svc.endpoints.some((e) => e.kind === 'ipv6');
  const tls = ['ssl', 'crt', build.certs.cert, 'ca-file', build.certs.ca, 'verify', 'required', ...(http ? ['alpn', h2 ? 'h2,http/1.1' : 'http/1.1'] : [])];
  const pol = policy(build, {
    inbound,
    frontend: name,
    where: `service ${svc.name} port ${port.name}`,
    identities: mtls !== 'off',
    plaintext: mtls !== 'strict',
    ...(http && svc.healthCheck?.path !== undefined ? { healthPath: svc.healthCheck.path } : {}),
  });
  const sections: Section[] = [];
  const lines: Line[] = [L('mode', http ? 'http' : 'tcp')];
  if (mtls === 'permissive') {
    // One port, two kinds of callers: a TCP front peeks at the first bytes and hands TLS and plaintext
    // connections to two internal listeners (abstract sockets, PROXY protocol keeps the source).
    const sock = `meshc-${svc.name}-${port.name}`;
    sections.push({
      keyword: 'frontend',
      name: `${name}.demux`,
      comment: `inbound: port ${port.name} on ${port.sidecarPort}, mTLS permissive: TLS and plaintext callers`,
      lines: [
        L('mode', 'tcp'),
        ...binds(build, port.sidecarPort, ipv6, []),
        L('option', 'tcplog'),
        L('tcp-request', 'inspect-delay', '5s'),
        Lif([[{ fetch: 'req.ssl_hello_type', ops: ['1'] }]], 'tcp-request', 'content', 'accept'),
        Lif([[{ fetch: 'req.len', match: 'int', ops: ['gt', '0'] }]], 'tcp-request', 'content', 'accept'),
        Lif([[{ fetch: 'req.ssl_hello_type', ops: ['1'] }]], 'use_backend', `_${name}.tls`),
        L('default_backend', `_${name}.plain`),
      ],
    });
    for (const kind of ['tls', 'plain']) {
      sections.push({
        keyword: 'backend',
        name: `_${name}.${kind}`,
        lines: [L('mode', 'tcp'), L('timeout', 'server', '1h'), L('server', kind, `abns@${sock}-${kind}`, 'send-proxy-v2')],
      });
    }
    lines.push(L('bind', `abns@${sock}-tls`, 'accept-proxy', ...tls));
    lines.push(L('bind', `abns@${sock}-plain`, 'accept-proxy', ...(http && h2 ? ['proto', 'h2'] : [])));
  } else {
    lines.push(...binds(build, port.sidecarPort, ipv6, mtls === 'strict' ? tls : http && h2 ? ['proto', 'h2'] : []));
  }
  lines.push(L('option', http ? 'httplog' : 'tcplog'));
  lines.push(L('timeout', 'client', ms(longest(port.rules, 60_000))));
  if (http) lines.push(L('option', 'forwardfor'), refuseAbnormalPath());
  lines.push(...pol.lines);
  lines.push(L('default_backend', app));
  sections.push({
    keyword: 'frontend',
    name,
    comment: `inbound: port ${port.name} on ${port.sidecarPort} (mTLS ${mtls}) to the app on 127.0.0.1:${port.port}`,
    lines,
  });
  sections.push(...pol.tables);
  sections.push({
    keyword: 'backend',
    name: app,
    comment: `the app's port ${port.name}`,
    lines: [
      L('mode', http ? 'http' : 'tcp'),
      L('timeout', 'connect', '1s'),
      L('timeout', 'server', ms(longest(port.rules, 60_000))),
      L('server', 'app', `127.0.0.1:${port.port}`, ...(h2 ? ['proto', 'h2'] : [])),
    ],
  });
  return sections;
}

/** The files of one service's sidecar. */
export function sidecarFiles(ir: MeshIR, svc: ServiceIR, ctx: EmitContext, options: HaproxyEmitOptions): OutputFile[] {
  const build = new ProxyBuild(svc.name, ctx, ir.mesh.certs, options);
  const backends = new Backends(build, svc.clusters);
  const sections: Section[] = [];
  for (const o of svc.outbound) sections.push(outboundSection(build, backends, o));
  svc.ports.forEach((port, i) => {
    const inbound = svc.inbound[i];
    if (inbound) sections.push(...inboundSections(build, ir, svc, port, inbound));
  });
  sections.push(...backends.sections());
  const content = renderConfig({
    generator: "meshc",
    owner: svc.name,
    role: 'sidecar',
    adminPort: ir.mesh.sidecar.adminPort,
    resolvers: backends.usesDns(),
    sections,
  });
  return [{ path: `haproxy/${svc.name}.cfg`, content }, ...build.files];
}

/** One gateway listener. */
function listenerSections(build: ProxyBuild, backends: Backends, gw: GatewayIR, l: ListenerIR): Section[] {
  const name = `gw.${l.name}`;
  const http = l.protocol !== 'tcp';
  const ipv6 = gw.endpoints.some((e) => e.kind === 'ipv6');
  const pol = policy(build, {
    inbound: l.inbound,
    frontend: name,
    where: `gateway ${gw.name} listener ${l.name}`,
    identities: false,
    plaintext: true,
  });
  const lines: Line[] = [L('mode', http ? 'http' : 'tcp')];
  const tls = l.tls ? ['ssl', 'crt', l.tls.certPath, 'alpn', 'h2,http/1.1'] : [];
  lines.push(...binds(build, l.port, ipv6, tls));
  lines.push(L('option', http ? 'httplog' : 'tcplog'));
  if (!http) {
    lines.push(L('timeout', 'client', ms(longest(l.tcpRules, 1000))));
    lines.push(...pol.lines);
    lines.push(...tcpRouting(backends, l.tcpRules));
    return [{ keyword: 'frontend', name, comment: `listener ${l.name} on ${l.port} (tcp)`, lines }, ...pol.tables];
  }
  const rules = l.virtualHosts.flatMap((v) => v.rules);
  lines.push(L('timeout', 'client', ms(longest(rules, 60_000))));
  lines.push(L('option', 'forwardfor'));
  lines.push(L('http-request', 'set-header', 'x-forwarded-proto', l.tls ? 'https' : 'http'));
  lines.push(refuseAbnormalPath());
  lines.push(...pol.lines);
  if (l.redirectToHttps) {
    const port = l.httpsPort !== undefined && l.httpsPort !== 443 ? `:${l.httpsPort}` : '';
    lines.push(L('http-request', 'redirect', 'location', `https://%[req.hdr(host),field(1,:)]${port}%[pathq]`, 'code', '301'));
  } else {
    const r = route(build, backends, {
      frontend: name,
      vhosts: l.virtualHosts.map((v) => ({ hosts: v.hosts, rules: v.rules })),
      hostRouting: true,
      scheme: l.tls ? 'https' : 'http',
    });
    lines.push(...r.request, ...r.response, ...r.use);
  }
  return [{ keyword: 'frontend', name, comment: `listener ${l.name} on ${l.port} (${l.protocol})`, lines }, ...pol.tables];
}

/** The files of one gateway with `proxy: haproxy`. */
export function gatewayFiles(ir: MeshIR, gw: GatewayIR, ctx: EmitContext, options: HaproxyEmitOptions): OutputFile[] {
  const owner = `gateway-${gw.name}`;
  const build = new ProxyBuild(owner, ctx, ir.mesh.certs, options);
  const backends = new Backends(build, gw.clusters);
  const sections: Section[] = [];
  for (const l of gw.listeners) sections.push(...listenerSections(build, backends, gw, l));
  sections.push(...backends.sections());
  const content = renderConfig({
    generator: "meshc",
    owner,
    role: 'gateway',
    adminPort: gw.adminPort,
    resolvers: backends.usesDns(),
    sections,
  });
  return [{ path: `haproxy/${owner}.cfg`, content }, ...build.files];
}
