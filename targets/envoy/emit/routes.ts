/**
 * Routing rules → Envoy routes (`envoy.config.route.v3.Route`), and TCP rules → tcp_proxy.
 * @module
 */
import type { ClusterIR, HashOnIR, HeaderOpsIR, RuleIR, Span, StringMatchIR } from '../../../src/ir/types.js';
import { any, type Env, formatLiteral, fraction, type Obj, re2Escape, re2SubstitutionEscape, regex, unsupported, dur } from './common.js';

/** Names of the HTTP filters that take per-route config. */
export const FAULT_FILTER = 'envoy.filters.http.fault';
export const CORS_FILTER = 'envoy.filters.http.cors';

/** What a routing table needs from its surroundings, and what it reports back. */
export interface RouteEnv extends Env {
  /** The clusters of the sidecar or gateway, by id. */
  clusters: Map<string, ClusterIR>;
  /** Set when a route uses fault injection (the HCM then needs the fault filter). */
  usesFault: boolean;
  /** Set when a route uses CORS (the HCM then needs the CORS filter). */
  usesCors: boolean;
}

const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** DSL retry conditions → Envoy `retry_on` names. Status codes go to `retriable_status_codes`. */
const RETRY_ON: Record<string, string> = {
  '5xx': '5xx',
  'gateway-error': 'gateway-error',
  reset: 'reset',
  'connect-failure': 'connect-failure',
  'refused-stream': 'refused-stream',
  'retriable-4xx': 'retriable-4xx',
};

/**
 * `envoy.type.matcher.v3.StringMatcher`. Envoy refuses an empty prefix or regex: an empty regex
 * (full match) is an exact match of "".
 */
function stringMatcher(kind: 'exact' | 'prefix' | 'regex', value: string): Obj {
  if (kind === 'regex') return value === '' ? { exact: '' } : { safe_regex: regex(value) };
  return { [kind]: value };
}

function headerMatcher(m: StringMatchIR): Obj {
  // An empty prefix matches every value of a header that is there.
  if (m.kind === 'present' || (m.kind === 'prefix' && m.value === '')) return { name: m.name, present_match: true };
  if (m.kind === 'absent') return { name: m.name, present_match: true, invert_match: true };
  return { name: m.name, string_match: stringMatcher(m.kind, m.value) };
}

function isProtected(name: string, request: boolean): boolean {
  const n = name.toLowerCase();
  return n.startsWith(':') || (request && n === 'host');
}

/** Header operations on a route; refuses what Envoy refuses (pseudo-headers, Host). */
function headerOps(env: Env, ops: HeaderOpsIR, request: boolean, rule: RuleIR, owner: string, out: Obj): void {
  const span = rule.featureSpans[request ? 'headers.request' : 'headers.response'] ?? rule.span;
  const add: Obj[] = [];
  const keep = (name: string) => {
    if (!isProtected(name, request)) return true;
    unsupported(env, `${owner}/${rule.name}/${name}`, `changing the ${request ? 'request' : 'response'} header "${name}"`, span, request && name.toLowerCase() === 'host' ? 'Envoy does not let a route change Host this way: use rewrite.host' : 'Envoy does not let a route change pseudo-headers');
    return false;
  };
  for (const h of ops.set) if (keep(h.name)) add.push({ header: { key: h.name, value: formatLiteral(h.value) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  for (const h of ops.add) if (keep(h.name)) add.push({ header: { key: h.name, value: formatLiteral(h.value) }, append_action: 'APPEND_IF_EXISTS_OR_ADD' });
  const remove = ops.remove.filter(keep);
  const prefix = request ? 'request' : 'response';
  if (add.length > 0) out[`${prefix}_headers_to_add`] = [...((out[`${prefix}_headers_to_add`] as Obj[] | undefined) ?? []), ...add];
  if (remove.length > 0) out[`${prefix}_headers_to_remove`] = remove;
}

/** `hash_policy` for consistent hashing over a backend with ring-hash or maglev. */
function hashPolicy(h: HashOnIR): Obj[] {
  switch (h.kind) {
    case 'header':
      return [{ header: { header_name: h.header } }];
    case 'cookie': {
      const cookie: Obj = { name: h.name };
      if (h.ttlMs !== undefined) cookie.ttl = dur(h.ttlMs);
      return [{ cookie }];
    }
    case 'source-ip':
      return [{ connection_properties: { source_ip: true } }];
  }
}

function routeMatch(env: RouteEnv, rule: RuleIR, owner: string): Obj {
  const m = rule.match;
  const out: Obj = {};
  if (!m.path) out.prefix = '/';
  else if (m.path.kind === 'exact') out.path = m.path.value;
  else if (m.path.kind === 'prefix') out.prefix = m.path.value;
  else out.safe_regex = regex(m.path.value);
  const headers: Obj[] = m.headers.map(headerMatcher);
  if (m.methods.length === 1) headers.push({ name: ':method', string_match: { exact: m.methods[0]! } });
  else if (m.methods.length > 1) headers.push({ name: ':method', string_match: { safe_regex: regex(m.methods.map(re2Escape).join('|')) } });
  if (headers.length > 0) out.headers = headers;
  const query: Obj[] = [];
  for (const q of m.query) {
    if (q.kind === 'absent') {
      unsupported(env, `${owner}/${rule.name}/query/${q.name}`, 'matching the absence of a query parameter', rule.featureSpans['match.query'] ?? rule.span, 'Envoy route matching can require a query parameter but not its absence');
      continue;
    }
    const present = q.kind === 'present' || (q.kind === 'prefix' && q.value === '');
    query.push(present ? { name: q.name, present_match: true } : { name: q.name, string_match: stringMatcher(q.kind as 'exact', q.value) });
  }
  if (query.length > 0) out.query_parameters = query;
  return out;
}

function retryPolicy(rule: RuleIR): Obj | undefined {
  const r = rule.retries;
  if (!r) return undefined;
  const on: string[] = [];
  const codes: number[] = [];
  for (const c of r.on) {
    const named = RETRY_ON[c];
    if (named) on.push(named);
    else if (/^[1-5][0-9][0-9]$/.test(c)) codes.push(Number(c));
  }
  if (codes.length > 0) on.push('retriable-status-codes');
  const out: Obj = { retry_on: [...new Set(on)].join(',') || 'connect-failure', num_retries: r.attempts };
  if (r.perTryTimeoutMs !== undefined) out.per_try_timeout = dur(r.perTryTimeoutMs);
  out.retry_host_predicate = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: any('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate') }];
  out.host_selection_retry_max_attempts = 3;
  if (codes.length > 0) out.retriable_status_codes = codes;
  return out;
}

/** The path rewrite of a forwarding rule. */
function pathRewrite(rule: RuleIR, out: Obj): void {
  const p = rule.rewrite?.path;
  if (!p) return;
  if (p.kind === 'prefix') {
    if (rule.match.path?.kind === 'prefix' && rule.match.path.value === p.matchedPrefix) out.prefix_rewrite = p.replacement;
    else out.regex_rewrite = { pattern: regex('^' + re2Escape(p.matchedPrefix)), substitution: re2SubstitutionEscape(p.replacement) };
  } else if (p.kind === 'regex') {
    out.regex_rewrite = { pattern: regex(p.pattern), substitution: p.substitution };
  } else {
    out.regex_rewrite = { pattern: regex('^.*$'), substitution: re2SubstitutionEscape(p.path) };
  }
}

/** The consistent-hash input of the first backend whose cluster hashes. */
function hashOf(env: RouteEnv, clusters: string[]): HashOnIR | undefined {
  for (const id of clusters) {
    const c = env.clusters.get(id);
    if (c?.loadBalancer.hashOn) return c.loadBalancer.hashOn;
  }
  return undefined;
}

/** Weighted destination: `cluster` for one positive backend, else `weighted_clusters`. */
function destination(rule: RuleIR): { cluster?: string; weighted?: Obj[]; ids: string[] } {
  if (rule.action.kind !== 'forward') return { ids: [] };
  const positive = rule.action.backends.filter((b) => b.weight > 0);
  const merged = new Map<string, number>();
  for (const b of positive) merged.set(b.cluster, (merged.get(b.cluster) ?? 0) + b.weight);
  const ids = [...merged.keys()];
  if (ids.length === 1) return { cluster: ids[0]!, ids };
  return { weighted: ids.map((id) => ({ name: id, weight: merged.get(id)! })), ids };
}

/**
 * One HTTP routing rule as an Envoy route. `owner` names the sidecar or gateway (for diagnostics);
 * `timeouts` is false on inbound routes (the caller's sidecar enforces them).
 */
export function httpRoute(env: RouteEnv, rule: RuleIR, owner: string): Obj {
  const route: Obj = { name: rule.name, match: routeMatch(env, rule, owner) };
  const a = rule.action;
  if (a.kind === 'forward') {
    const d = destination(rule);
    const action: Obj = {};
    if (d.cluster !== undefined) action.cluster = d.cluster;
    else action.weighted_clusters = { clusters: d.weighted };
    pathRewrite(rule, action);
    if (rule.rewrite?.host !== undefined) action.host_rewrite_literal = rule.rewrite.host;
    action.timeout = dur(rule.timeoutMs);
    const retry = retryPolicy(rule);
    if (retry) action.retry_policy = retry;
    if (rule.mirror) action.request_mirror_policies = [{ cluster: rule.mirror.cluster, runtime_fraction: { default_value: fraction(rule.mirror.percent) } }];
    const h = hashOf(env, d.ids);
    if (h) action.hash_policy = hashPolicy(h);
    route.route = action;
  } else if (a.kind === 'redirect') {
    const r: Obj = {};
    if (a.scheme !== undefined) r.scheme_redirect = a.scheme;
    if (a.host !== undefined) r.host_redirect = a.host;
    if (a.port !== undefined) r.port_redirect = a.port;
    if (a.path !== undefined) r.path_redirect = a.path;
    r.response_code = REDIRECT_CODES[a.status] ?? 'MOVED_PERMANENTLY';
    route.redirect = r;
    ignoredOnAnswer(env, rule, owner, 'redirect');
  } else {
    const dr: Obj = { status: a.status };
    if (a.body !== '') dr.body = { inline_string: a.body };
    route.direct_response = dr;
    if (a.body !== '') route.response_headers_to_add = [{ header: { key: 'content-type', value: formatLiteral(a.contentType) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }];
    ignoredOnAnswer(env, rule, owner, 'direct response');
  }
  const perFilter: Obj = {};
  if (rule.cors) {
    env.usesCors = true;
    const c = rule.cors;
    const policy: Obj = {
      allow_origin_string_match: c.allowOrigins.map((o) => (o === '*' ? { safe_regex: regex('.*') } : { exact: o })),
    };
    if (c.allowMethods.length > 0) policy.allow_methods = c.allowMethods.join(',');
    if (c.allowHeaders.length > 0) policy.allow_headers = c.allowHeaders.join(',');
    if (c.exposeHeaders.length > 0) policy.expose_headers = c.exposeHeaders.join(',');
    if (c.maxAgeSeconds !== undefined) policy.max_age = String(c.maxAgeSeconds);
    policy.allow_credentials = c.allowCredentials;
    perFilter[CORS_FILTER] = any('envoy.extensions.filters.http.cors.v3.CorsPolicy', policy);
  }
  if (rule.fault && (a.kind === 'forward')) {
    env.usesFault = true;
    const f: Obj = {};
    if (rule.fault.delay) f.delay = { fixed_delay: dur(rule.fault.delay.durationMs), percentage: fraction(rule.fault.delay.percent) };
    if (rule.fault.abort) f.abort = { http_status: rule.fault.abort.status, percentage: fraction(rule.fault.abort.percent) };
    perFilter[FAULT_FILTER] = any('envoy.extensions.filters.http.fault.v3.HTTPFault', f);
  }
  const keys = Object.keys(perFilter).sort();
  if (keys.length > 0) route.typed_per_filter_config = Object.fromEntries(keys.map((k) => [k, perFilter[k]]));
  headerOps(env, rule.headers.request, true, rule, owner, route);
  headerOps(env, rule.headers.response, false, rule, owner, route);
  return route;
}

/** Features that only make sense when forwarding: on a redirect or direct response they cannot apply. */
function ignoredOnAnswer(env: Env, rule: RuleIR, owner: string, what: string): void {
  const spans: [string, Span | undefined, boolean][] = [
    ['retries', rule.featureSpans.retries, rule.retries !== undefined],
    ['mirror', rule.featureSpans.mirror, rule.mirror !== undefined],
    ['fault injection', rule.featureSpans['fault.delay'] ?? rule.featureSpans['fault.abort'], rule.fault !== undefined],
    ['rewrite', rule.featureSpans['rewrite.path'] ?? rule.featureSpans['rewrite.host'], rule.rewrite !== undefined],
  ];
  for (const [feature, span, present] of spans) {
    if (present) unsupported(env, `${owner}/${rule.name}`, `${feature} on a ${what} rule`, span ?? rule.span, `a ${what} answers without forwarding`);
  }
}

/**
 * A TCP routing table as the body of an `envoy.filters.network.tcp_proxy` (without stat_prefix):
 * the first rule's weighted backends and idle timeout. Anything else in the table is reported.
 */
export function tcpProxyRoute(env: Env, rules: RuleIR[], owner: string): Obj | undefined {
  const rule = rules[0];
  if (!rule) return undefined;
  for (const extra of rules.slice(1)) unsupported(env, `${owner}/${extra.name}`, 'a second rule on a tcp port', extra.span, 'a TCP connection carries no request to match: the first rule takes every connection');
  const features = Object.entries(rule.featureSpans).filter(([k]) => k !== 'timeout');
  for (const [k, span] of features) unsupported(env, `${owner}/${rule.name}/${k}`, `${k} on a tcp port`, span, 'a tcp_proxy forwards bytes without HTTP semantics');
  if (rule.action.kind !== 'forward') return undefined;
  const d = destination(rule);
  const out: Obj = {};
  if (d.cluster !== undefined) out.cluster = d.cluster;
  else out.weighted_clusters = { clusters: d.weighted };
  out.idle_timeout = dur(rule.timeoutMs);
  return out;
}
