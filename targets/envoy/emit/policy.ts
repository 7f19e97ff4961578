/**
 * The policy at one port (a service's inbound listener or a gateway listener) → Envoy filters:
 * RBAC (a DENY filter for the deny Filters, then an ALLOW filter for the allow Filters when the
 * mesh denies by default), local rate limits, JWT authentication.
 * @module
 */
import type { InboundIR, PolicyRuleIR, SourceIR } from '../../../src/ir/types.js';
import { cmp, dur, type Env, hostCidr, type Obj, typed, unsupported } from './common.js';

/** Where the policy applies: whether peers present a mesh identity there. */
export interface PolicySite {
  /** Sidecar inbound with mTLS on: peers' SPIFFE identities are known. Gateways: never. */
  identities: boolean;
  /** For diagnostics and stat names: `catalog/http`, `gateway-api/https`. */
  owner: string;
  /** A stat-safe prefix for this port. */
  stat: string;
  /**
   * An HTTP health-check path callers' proxies probe (the service's own healthCheck): exempt from
   * the default-deny ALLOW policy and from JWT for `GET`, so active health checks work.
   */
  healthPath?: string;
}

/** RBAC principals for the `from` list of a policy; undefined when nothing can be matched. */
function principals(env: Env, site: PolicySite, from: SourceIR[], filter: string): Obj[] {
  if (from.length === 0) return [{ any: true }];
  const out: Obj[] = [];
  for (const s of from) {
    if (s.kind === 'cidr') {
      const [address, len] = s.cidr.split('/');
      out.push({ direct_remote_ip: { address_prefix: address, prefix_len: Number(len) } });
      continue;
    }
    const hasIdentity = s.kind === 'gateway' || s.sidecar;
    if (site.identities && hasIdentity) {
      out.push({ authenticated: { principal_name: { exact: s.identity } } });
      continue;
    }
    const ips = s.addresses.filter((a) => a.kind !== 'dns');
    for (const a of ips) out.push({ direct_remote_ip: hostCidr(a) });
    const why = site.identities
      ? `${s.kind} ${s.name} has no sidecar, so it presents no mesh identity`
      : site.owner.startsWith('gateway-')
        ? `clients of a gateway present no mesh identity`
        : `mTLS is off, so ${s.kind} ${s.name} presents no mesh identity`;
    if (s.addresses.some((a) => a.kind === 'dns')) {
      unsupported(env, `${site.owner}/${filter}/${s.kind}/${s.name}/dns`, `matching ${s.kind} ${s.name} by its DNS endpoints`, s.span, `${why}, and Envoy's RBAC matches source IP addresses, not names`);
    } else if (ips.length === 0) {
      unsupported(env, `${site.owner}/${filter}/${s.kind}/${s.name}`, `recognising traffic from ${s.kind} ${s.name}`, s.span, `${why} and has no IP endpoints to match its address`);
    }
  }
  return out;
}

function permissions(p: PolicyRuleIR): Obj[] {
  const h = p.http;
  if (!h) return [{ any: true }];
  const parts: Obj[] = [];
  const orOf = (rules: Obj[]): Obj => (rules.length === 1 ? rules[0]! : { or_rules: { rules } });
  if (h.methods.length > 0) parts.push(orOf(h.methods.map((m) => ({ header: { name: ':method', string_match: { exact: m } } }))));
  // A path `*` (prefix "") is every path: no path condition (Envoy refuses an empty prefix).
  if (h.paths.length > 0 && !h.paths.some((x) => x.kind === 'prefix' && x.value === '')) parts.push(orOf(h.paths.map((x) => ({ url_path: { path: { [x.kind]: x.value } } }))));
  if (parts.length === 0) return [{ any: true }];
  return [parts.length === 1 ? parts[0]! : { and_rules: { rules: parts } }];
}

/** RBAC policies keyed by Filter name, sorted. */
function policies(env: Env, site: PolicySite, rules: PolicyRuleIR[]): Obj {
  const out: Obj = {};
  for (const r of [...rules].sort((a, b) => cmp(a.filter, b.filter))) {
    const pr = principals(env, site, r.from, r.filter);
    if (pr.length === 0) continue; // reported: nothing of it can be matched by Envoy
    out[r.filter] = { permissions: permissions(r), principals: pr };
  }
  return out;
}

const HEALTH_POLICY = 'meshc.health-check';

function healthPermission(path: string): Obj {
  return { and_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }, { url_path: { path: { exact: path } } }] } };
}

/** The RBAC filters' bodies (`envoy.config.rbac.v3.RBAC`), in order: deny first, then allow. */
function rbacConfigs(env: Env, site: PolicySite, inbound: InboundIR, http: boolean): { name: string; rules: Obj }[] {
  const out: { name: string; rules: Obj }[] = [];
  if (inbound.deny.length > 0) {
    const p = policies(env, site, inbound.deny);
    if (Object.keys(p).length > 0) out.push({ name: 'meshc.rbac.deny', rules: { action: 'DENY', policies: p } });
  }
  if (inbound.defaultAction === 'deny') {
    const p = policies(env, site, inbound.allow);
    if (http && site.healthPath !== undefined) p[HEALTH_POLICY] = { permissions: [healthPermission(site.healthPath)], principals: [{ any: true }] };
    const sorted: Obj = {};
    for (const k of Object.keys(p).sort()) sorted[k] = p[k];
    const rules: Obj = { action: 'ALLOW' };
    if (Object.keys(sorted).length > 0) rules.policies = sorted;
    out.push({ name: 'meshc.rbac.allow', rules });
  }
  return out;
}

/** HTTP filters enforcing the policy (before the routing filters and the router). */
export function httpPolicyFilters(env: Env, site: PolicySite, inbound: InboundIR): Obj[] {
  const filters: Obj[] = [];
  for (const r of rbacConfigs(env, site, inbound, true)) {
    filters.push(typed(r.name, 'envoy.extensions.filters.http.rbac.v3.RBAC', { rules: r.rules }));
  }
  for (const rl of inbound.rateLimits) {
    if (rl.by === 'source-ip') {
      unsupported(env, `${site.owner}/${rl.filter}`, 'a rate limit per source IP', rl.span, "Envoy's local rate limit (API v3 as shipped) keeps one token bucket per listener, not one per client address; use by: global, or enforce it with the nftables target");
      continue;
    }
    filters.push(
      typed(`meshc.ratelimit.${rl.filter}`, 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', {
        stat_prefix: `${site.stat}_ratelimit_${rl.filter}`,
        status: { code: 'TooManyRequests' },
        token_bucket: { max_tokens: rl.burst, tokens_per_fill: rl.requests, fill_interval: dur(rl.perMs) },
        filter_enabled: { runtime_key: `meshc.ratelimit.${rl.filter}.enabled`, default_value: { numerator: 100, denominator: 'HUNDRED' } },
        filter_enforced: { runtime_key: `meshc.ratelimit.${rl.filter}.enforced`, default_value: { numerator: 100, denominator: 'HUNDRED' } },
      }),
    );
  }
  if (inbound.jwt.length > 0) filters.push(jwtFilter(site, inbound));
  return filters;
}

function jwtFilter(site: PolicySite, inbound: InboundIR): Obj {
  const providers: Obj = {};
  const reqs: Obj[] = [];
  for (const j of inbound.jwt) {
    const p: Obj = { issuer: j.issuer };
    if (j.audiences.length > 0) p.audiences = j.audiences;
    p.local_jwks = { inline_string: j.jwks };
    p.from_headers = [j.fromHeader.toLowerCase() === 'authorization' ? { name: 'Authorization', value_prefix: 'Bearer ' } : { name: j.fromHeader }];
    p.forward = true;
    providers[j.filter] = p;
    const req: Obj = { provider_name: j.filter };
    reqs.push(j.allowMissing ? { requires_any: { requirements: [req, { allow_missing: {} }] } } : req);
  }
  const requires = reqs.length === 1 ? reqs[0]! : { requires_all: { requirements: reqs } };
  const rules: Obj[] = [];
  if (site.healthPath !== undefined) rules.push({ match: { path: site.healthPath, headers: [{ name: ':method', string_match: { exact: 'GET' } }] } });
  rules.push({ match: { prefix: '/' }, requires });
  return typed('envoy.filters.http.jwt_authn', 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', { providers, rules });
}

/** Network filters enforcing the policy on a TCP port (before tcp_proxy). */
export function networkPolicyFilters(env: Env, site: PolicySite, inbound: InboundIR): Obj[] {
  const filters: Obj[] = [];
  for (const r of rbacConfigs(env, site, inbound, false)) {
    filters.push(typed(r.name, 'envoy.extensions.filters.network.rbac.v3.RBAC', { stat_prefix: `${site.stat}_${r.name.replace(/^meshc\./, '').replace('.', '_')}`, rules: r.rules }));
  }
  for (const rl of inbound.rateLimits) {
    if (rl.by === 'source-ip') {
      unsupported(env, `${site.owner}/${rl.filter}`, 'a rate limit per source IP', rl.span, "Envoy's local rate limit keeps one token bucket per listener, not one per client address; use by: global, or enforce it with the nftables target");
      continue;
    }
    filters.push(
      typed(`meshc.ratelimit.${rl.filter}`, 'envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit', {
        stat_prefix: `${site.stat}_ratelimit_${rl.filter}`,
        token_bucket: { max_tokens: rl.burst, tokens_per_fill: rl.requests, fill_interval: dur(rl.perMs) },
      }),
    );
  }
  for (const j of inbound.jwt) {
    unsupported(env, `${site.owner}/${j.filter}`, 'JWT authentication on a tcp port', j.span, 'a TCP connection carries no HTTP request to take a token from');
  }
  for (const p of [...inbound.deny, ...inbound.allow]) {
    if (p.http) unsupported(env, `${site.owner}/${p.filter}/http`, 'HTTP conditions of a Filter on a tcp port', p.span, 'the connection is matched by its source only');
  }
  return filters;
}

