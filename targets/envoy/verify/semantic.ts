/**
 * What Envoy refuses at start-up beyond its API definitions, for the parts of a static bootstrap
 * meshc emits: references to undefined clusters, duplicate listener / cluster / virtual host names,
 * duplicate listener addresses, duplicate virtual host domains, HTTP filter chains that do not end
 * with the router, network filter chains that do not end with a terminal filter, per-route filter
 * configs for filters that are not in the chain, DNS names in STATIC clusters, header
 * manipulation of `host` and pseudo-headers, and regular expressions RE2 does not compile.
 * @module
 */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { EnvoyCodes } from '../codes.js';
import type { MessageChecker, Norm } from './check.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const TERMINAL = new Set([HCM, TCP_PROXY, 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config']);

const obj = (v: unknown): Norm | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Norm) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Runs the semantic checks over a normalised bootstrap. */
export function checkSemantics(b: Norm, c: MessageChecker): void {
  const at = (o: unknown, fallback: Norm): { off: number; path: string } => {
    const r = (o && typeof o === 'object' ? c.origins.get(o) : undefined) ?? c.origins.get(fallback);
    return { off: r?.off ?? 0, path: r?.path ?? '' };
  };
  const sr = obj(b.static_resources) ?? {};
  const clusters = new Set<string>();
  for (const cl of arr(sr.clusters)) {
    const o = obj(cl);
    if (!o) continue;
    const name = String(o.name ?? '');
    const w = at(o, sr);
    if (clusters.has(name)) c.report(EnvoyCodes.DuplicateName, w.off, w.path, { what: 'cluster', name });
    clusters.add(name);
    const type = o.type ?? 0; // 0 = STATIC
    if (type === 0) {
      for (const le of arr(obj(o.load_assignment)?.endpoints)) {
        for (const lb of arr(obj(le)?.lb_endpoints)) {
          const sa = obj(obj(obj(obj(lb)?.endpoint)?.address)?.socket_address);
          if (sa && typeof sa.address === 'string' && isIP(sa.address) === 0) {
            const sw = at(sa, o);
            c.report(EnvoyCodes.StaticEndpoint, sw.off, sw.path, { host: sa.address, cluster: name });
          }
        }
      }
    }
  }
  const needCluster = (name: unknown, o: unknown, parent: Norm) => {
    if (typeof name === 'string' && !clusters.has(name)) {
      const w = at(o, parent);
      c.report(EnvoyCodes.UnknownCluster, w.off, w.path, { cluster: name });
    }
  };

  const listenerNames = new Set<string>();
  const addresses = new Set<string>();
  for (const l of arr(sr.listeners)) {
    const lo = obj(l);
    if (!lo) continue;
    const lw = at(lo, sr);
    const name = String(lo.name ?? '');
    if (listenerNames.has(name)) c.report(EnvoyCodes.DuplicateName, lw.off, lw.path, { what: 'listener', name });
    listenerNames.add(name);
    const sa = obj(obj(lo.address)?.socket_address);
    if (sa) {
      const key = `${String(sa.address)}:${String(sa.port_value)}`;
      if (addresses.has(key)) c.report(EnvoyCodes.DuplicateName, lw.off, lw.path, { what: 'listener address', name: key });
      addresses.add(key);
    }
    const chains = [...arr(lo.filter_chains), ...(lo.default_filter_chain ? [lo.default_filter_chain] : [])];
    for (const ch of chains) {
      const cho = obj(ch);
      if (!cho) continue;
      const filters = arr(cho.filters).map(obj).filter((f): f is Norm => !!f);
      const last = filters[filters.length - 1];
      if (!last || !TERMINAL.has(String(obj(last.typed_config)?.['@type'] ?? ''))) {
        const w = at(last ?? cho, cho);
        c.report(EnvoyCodes.FilterChainOrder, w.off, w.path, { detail: 'the last network filter of a filter chain must be terminal (http_connection_manager or tcp_proxy)' });
      }
      filters.forEach((f, i) => {
        const tc = obj(f.typed_config);
        if (!tc) return;
        const type = tc['@type'];
        if (TERMINAL.has(String(type)) && i !== filters.length - 1) {
          const w = at(f, cho);
          c.report(EnvoyCodes.FilterChainOrder, w.off, w.path, { detail: 'a terminal network filter must be the last of its chain' });
        }
        if (type === TCP_PROXY) {
          needCluster(tc.cluster, tc, tc);
          for (const wc of arr(obj(tc.weighted_clusters)?.clusters)) needCluster(obj(wc)?.name, wc, tc);
        }
        if (type === HCM) checkHcm(tc, c, at, needCluster);
      });
    }
  }
  checkRegexes(b, c, at);
}

/** Keys whose value is an `envoy.type.matcher.v3.RegexMatcher` in the configs meshc emits. */
const REGEX_MATCHERS = new Set(['safe_regex', 'safe_regex_match', 'pattern']);

/** re2-wasm's RE2, loaded on first use (only --verify needs it). */
let re2: (new (pattern: string, flags: string) => unknown) | undefined;

/** Why RE2 refuses a pattern, or undefined when it compiles it (its WebAssembly object freed: re2-wasm's heap is small and fixed). */
export function re2Problem(pattern: string): string | undefined {
  re2 ??= (createRequire(import.meta.url)('re2-wasm') as { RE2: NonNullable<typeof re2> }).RE2;
  try {
    (new re2(pattern, 'u') as { wrapper?: { delete?: () => void } }).wrapper?.delete?.();
    return undefined;
  } catch (err) {
    return String((err as Error).message ?? err).replace(/^Invalid regular expression: .*?: /, '');
  }
}

/** Every RegexMatcher's `regex` must compile in RE2, which Envoy compiles them with at start-up. */
function checkRegexes(b: Norm, c: MessageChecker, at: (o: unknown, fallback: Norm) => { off: number; path: string }): void {
  const stack: unknown[] = [b];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const o = obj(v);
    if (!o) continue;
    for (const [k, x] of Object.entries(o)) {
      const m = obj(x);
      const problem = m && REGEX_MATCHERS.has(k) && typeof m.regex === 'string' ? re2Problem(m.regex) : undefined;
      if (problem !== undefined) {
        const w = at(m, o);
        c.report(EnvoyCodes.BadRegex, w.off, w.path, { regex: String(m!.regex), reason: problem });
      }
      if (x && typeof x === 'object') stack.push(x);
    }
  }
}

function checkHcm(
  hcm: Norm,
  c: MessageChecker,
  at: (o: unknown, fallback: Norm) => { off: number; path: string },
  needCluster: (name: unknown, o: unknown, parent: Norm) => void,
): void {
  const filters = arr(hcm.http_filters).map(obj).filter((f): f is Norm => !!f);
  const names = new Set<string>();
  filters.forEach((f, i) => {
    const isRouter = obj(f.typed_config)?.['@type'] === ROUTER;
    const w = at(f, hcm);
    if (isRouter !== (i === filters.length - 1)) {
      c.report(EnvoyCodes.FilterChainOrder, w.off, w.path, { detail: 'the router must be the last HTTP filter, and only the last' });
    }
    const name = String(f.name ?? '');
    if (names.has(name)) c.report(EnvoyCodes.DuplicateName, w.off, w.path, { what: 'HTTP filter', name });
    names.add(name);
  });
  if (filters.length === 0) {
    const w = at(hcm, hcm);
    c.report(EnvoyCodes.FilterChainOrder, w.off, w.path, { detail: 'an HTTP connection manager needs the router filter' });
  }
  const perFilter = (o: Norm) => {
    const pf = obj(o.typed_per_filter_config);
    if (!pf) return;
    for (const key of Object.keys(pf)) {
      if (!names.has(key)) {
        const w = at(pf, o);
        c.report(EnvoyCodes.FilterChainOrder, w.off, `${w.path}.${key}`, { detail: `per-route config for HTTP filter "${key}", which is not in the filter chain` });
      }
    }
  };
  const headers = (o: Norm) => {
    for (const field of ['request_headers_to_add', 'request_headers_to_remove']) {
      for (const h of arr(o[field])) {
        const name = typeof h === 'string' ? h : String(obj(obj(h)?.header)?.key ?? '');
        const lower = name.toLowerCase();
        if (lower.startsWith(':') || lower === 'host') {
          const w = at(typeof h === 'string' ? o[field] : h, o);
          c.report(EnvoyCodes.ProtectedHeader, w.off, w.path, { header: name });
        }
      }
    }
  };
  const rc = obj(hcm.route_config);
  if (!rc) return;
  headers(rc);
  const vhNames = new Set<string>();
  const domains = new Set<string>();
  for (const vh of arr(rc.virtual_hosts)) {
    const vho = obj(vh);
    if (!vho) continue;
    const w = at(vho, rc);
    const name = String(vho.name ?? '');
    if (vhNames.has(name)) c.report(EnvoyCodes.DuplicateName, w.off, w.path, { what: 'virtual host', name });
    vhNames.add(name);
    for (const d of arr(vho.domains)) {
      const dn = String(d).toLowerCase();
      if (domains.has(dn)) {
        const dw = at(vho.domains, vho);
        c.report(EnvoyCodes.DuplicateName, dw.off, dw.path, { what: 'virtual host domain', name: dn });
      }
      domains.add(dn);
    }
    perFilter(vho);
    headers(vho);
    for (const r of arr(vho.routes)) {
      const ro = obj(r);
      if (!ro) continue;
      perFilter(ro);
      headers(ro);
      const ra = obj(ro.route);
      if (!ra) continue;
      needCluster(ra.cluster, ra, ro);
      for (const wc of arr(obj(ra.weighted_clusters)?.clusters)) {
        const wco = obj(wc);
        needCluster(wco?.name, wc, ra);
        if (wco) {
          perFilter(wco);
          headers(wco);
        }
      }
      for (const m of arr(ra.request_mirror_policies)) needCluster(obj(m)?.cluster, m, ra);
    }
  }
}
