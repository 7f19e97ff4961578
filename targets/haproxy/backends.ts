/**
 * Clusters become backends, named after the cluster id (lower-case labels and dots); backends of
 * the target's own (the app behind a sidecar, rate-limit tables, the permissive demultiplexer) start
 * with `_`, so no cluster can take their names. HAProxy fixes `retries`, `retry-on` and `timeout server` per backend,
 * while the mesh sets them per route rule; so each cluster gets one backend per distinct
 * (retry policy, timeout) that rules use with it: `<cluster id>` for the first, `<cluster id>:2`…
 * for the others, numbered in the order rules first use them (deterministic).
 * @module
 */
import type { ClusterIR, EndpointIR, RetryIR, RuleIR, Span } from '../../src/ir/types.js';
import type { ProxyBuild } from './build.js';
import { HaproxyCodes } from './codes.js';
import { L, Lif, type Line, type Section } from './model.js';
import { arg, uriSanHex } from './quote.js';
import { sortWith } from '../../src/util/strings.js';

/** Server slots a DNS name may fill (every address it resolves to is one server, up to this many). */
export const DNS_SLOTS = 32;

/** Longest timeout HAProxy accepts (ms); a mesh timeout of 0 ("none") becomes this. */
export const MAX_TIMEOUT_MS = 2147483647;

/** HTTP statuses HAProxy 2.6 can retry on. */
const RETRY_STATUSES = new Set(['401', '403', '404', '408', '425', '500', '501', '502', '503', '504']);

/** Whether a protocol is carried over HTTP/2 upstream. */
export function isH2(protocol: string): boolean {
  return protocol === 'http2' || protocol === 'grpc';
}

/** A duration in ms as an HAProxy time value. */
export function ms(value: number): string {
  if (value <= 0) return `${MAX_TIMEOUT_MS}ms`;
  if (value % 3_600_000 === 0) return `${value / 3_600_000}h`;
  if (value % 60_000 === 0) return `${value / 60_000}m`;
  if (value % 1000 === 0) return `${value / 1000}s`;
  return `${Math.min(value, MAX_TIMEOUT_MS)}ms`;
}

/** The per-rule settings that select a backend variant. */
interface Profile {
  retries: number;
  retryOn: string[];
  serverTimeoutMs: number;
}

interface Variant {
  name: string;
  cluster: ClusterIR;
  profile: Profile;
}

/** The backends of one proxy. */
export class Backends {
  private readonly byKey = new Map<string, Variant>();
  private readonly perCluster = new Map<string, number>();
  private readonly order: Variant[] = [];
  private readonly clusters = new Map<string, ClusterIR>();

  constructor(
    private readonly build: ProxyBuild,
    clusters: readonly ClusterIR[],
  ) {
    for (const c of clusters) this.clusters.set(c.id, c);
  }

  /** The cluster with this id (a meshc bug when the IR lacks it). */
  cluster(id: string): ClusterIR {
    const c = this.clusters.get(id);
    if (!c) throw new Error(`meshc bug: cluster ${id} is not in the proxy's clusters`);
    return c;
  }

  /** The backend that forwards `rule`'s traffic to cluster `id`; reports what HAProxy cannot retry on. */
  forRule(id: string, rule: RuleIR, http: boolean): string {
    const cluster = this.cluster(id);
    const profile = http ? httpProfile(rule, cluster, this.build) : { retries: 0, retryOn: [], serverTimeoutMs: rule.timeoutMs };
    const key = `${id}\u0000${profile.retries}\u0000${profile.retryOn.join(' ')}\u0000${profile.serverTimeoutMs}`;
    let v = this.byKey.get(key);
    if (!v) {
      const n = (this.perCluster.get(id) ?? 0) + 1;
      this.perCluster.set(id, n);
      v = { name: n === 1 ? id : `${id}:${n}`, cluster, profile };
      this.byKey.set(key, v);
      this.order.push(v);
    }
    return v.name;
  }

  /** Every backend section, in first-use order. */
  sections(): Section[] {
    return this.order.map((v) => backendSection(v, this.build));
  }

  /** Whether any backend resolves names through DNS. */
  usesDns(): boolean {
    return this.order.some((v) => v.cluster.endpoints.some((e) => e.kind === 'dns'));
  }
}

/** Maps a rule's retry policy and timeout to HAProxy's per-backend settings. */
function httpProfile(rule: RuleIR, cluster: ClusterIR, build: ProxyBuild): Profile {
  const r = rule.retries;
  if (!r) return { retries: 0, retryOn: [], serverTimeoutMs: rule.timeoutMs };
  const on = retryOn(r, cluster, build, rule.featureSpans.retries ?? rule.span);
  const serverTimeoutMs = r.perTryTimeoutMs !== undefined && (rule.timeoutMs === 0 || r.perTryTimeoutMs < rule.timeoutMs) ? r.perTryTimeoutMs : rule.timeoutMs;
  // `timeout server` bounds each try; nothing bounds their sum. Warn where tries that time out
  // (the first and `attempts` retries) can outlast the whole timeout: with a per-try bound, or
  // without one when a try that timed out is retried (`response-timeout`, from 5xx) — each retry
  // then gets the whole timeout again.
  const timedOutRetried = r.perTryTimeoutMs !== undefined || on.includes('response-timeout');
  if (timedOutRetried && r.attempts > 0 && rule.timeoutMs > 0 && (r.attempts + 1) * serverTimeoutMs > rule.timeoutMs) {
    build.report(HaproxyCodes.RetryTotal, r.perTryTimeoutSpan ?? rule.featureSpans.retries ?? rule.span, {
      timeout: `${rule.timeoutMs} ms`, tries: r.attempts + 1, perTry: `${serverTimeoutMs} ms`, total: `${(r.attempts + 1) * serverTimeoutMs} ms`,
    });
  }
  return { retries: r.attempts, retryOn: on, serverTimeoutMs };
}

/** HAProxy `retry-on` keywords for the DSL's conditions, in a canonical order. */
function retryOn(r: RetryIR, cluster: ClusterIR, build: ProxyBuild, span: Span): string[] {
  const out = new Set<string>();
  for (const cond of r.on) {
    switch (cond) {
      case '5xx':
        for (const k of ['conn-failure', 'empty-response', 'junk-response', 'response-timeout', '500', '501', '502', '503', '504']) out.add(k);
        break;
      case 'gateway-error':
        for (const k of ['502', '503', '504']) out.add(k);
        break;
      case 'reset':
        out.add('empty-response');
        break;
      case 'connect-failure':
        out.add('conn-failure');
        break;
      case 'refused-stream':
        // Only HTTP/2 upstreams refuse streams; HAProxy sees a stream reset before any response.
        if (isH2(cluster.protocol)) out.add('empty-response');
        break;
      case 'retriable-4xx':
        build.unsupported('retry on retriable-4xx', span, 'HAProxy 2.6 cannot retry on status 409');
        break;
      default:
        if (RETRY_STATUSES.has(cond)) out.add(cond);
        else build.unsupported(`retry on status ${cond}`, span, 'HAProxy 2.6 retries only on 401, 403, 404, 408, 425, 500, 501, 502, 503 and 504');
    }
  }
  // Keywords first, then statuses, each in code-unit order (a comparator without allocation: this
  // runs for every rule of every sidecar).
  const numeric = (k: string): boolean => k.charCodeAt(0) >= 48 && k.charCodeAt(0) <= 57;
  return sortWith([...out], (a, b) => (numeric(a) !== numeric(b) ? (numeric(a) ? 1 : -1) : a < b ? -1 : a > b ? 1 : 0));
}

/** `host:port` for a server line. */
function address(e: EndpointIR): string {
  const port = e.port ?? 0;
  return e.kind === 'ipv6' ? `[${e.host}]:${port}` : `${e.host}:${port}`;
}

/** Renders one backend. */
function backendSection(v: Variant, build: ProxyBuild): Section {
  const c = v.cluster;
  const http = c.protocol !== 'tcp';
  const h2 = isH2(c.protocol);
  const lines: Line[] = [L('mode', http ? 'http' : 'tcp')];

  // Load balancing.
  const lb = c.loadBalancer;
  if (lb.policy === 'least-request') lines.push(L('balance', 'leastconn'));
  else if (lb.policy === 'random') lines.push(L('balance', 'random'));
  else if (lb.policy === 'ring-hash' || lb.policy === 'maglev') {
    const h = lb.hashOn;
    if (!h || h.kind === 'source-ip') lines.push(L('balance', 'source'));
    else if (h.kind === 'header') {
      if (http) lines.push(L('balance', 'hash', `req.fhdr(${arg(h.header)})`));
      else lines.push(L('balance', 'source'));
    } else if (http) {
      const cookie = `req.cook(${arg(h.name)})`;
      if (h.ttlMs !== undefined) {
        lines.push(Lif([[{ fetch: cookie, match: 'found', not: true }]], 'http-request', 'set-var(txn.hashcookie)', 'uuid'));
        lines.push(L('http-request', 'set-var(txn.hashkey)', cookie));
        lines.push(L('http-request', 'set-var(txn.hashkey)', 'var(txn.hashcookie)'));
        lines.push(L('balance', 'hash', 'var(txn.hashkey)'));
        lines.push(
          Lif([[{ fetch: 'var(txn.hashcookie)', match: 'found' }]], 'http-response', 'add-header', 'set-cookie',
            `${h.name.replace(/%/g, '%%')}=%[var(txn.hashcookie)]; Max-Age=${Math.max(1, Math.round(h.ttlMs / 1000))}; Path=/; HttpOnly`),
        );
      } else lines.push(L('balance', 'hash', cookie));
    } else lines.push(L('balance', 'source'));
    lines.push(L('hash-type', 'consistent'));
  } else lines.push(L('balance', 'roundrobin'));

  // Timeouts and retries.
  lines.push(L('timeout', 'connect', ms(c.connectTimeoutMs)));
  lines.push(L('timeout', 'server', ms(v.profile.serverTimeoutMs)));
  lines.push(L('retries', v.profile.retries));
  if (http) lines.push(L('retry-on', ...(v.profile.retryOn.length > 0 ? v.profile.retryOn : ['none'])));
  lines.push(L('option', 'redispatch', '1'));

  // Health checks, passive and active.
  const hc = c.healthCheck;
  const od = c.outlierDetection;
  const check: string[] = [];
  if (hc || od) {
    check.push('check');
    const inter = hc ? hc.intervalMs : od!.baseEjectionTimeMs;
    check.push('inter', ms(inter), 'rise', String(hc ? hc.healthyThreshold : 1), 'fall', String(hc ? hc.unhealthyThreshold : 1));
    if (hc) lines.push(L('timeout', 'check', ms(hc.timeoutMs)));
    if (hc?.path !== undefined && http) {
      lines.push(L('option', 'httpchk'));
      lines.push(L('http-check', 'send', 'meth', 'GET', 'uri', hc.path));
      lines.push(L('http-check', 'expect', 'status', '200-299'));
      if (h2) check.push(c.tls ? 'check-alpn' : 'check-proto', c.tls ? 'http/1.1' : 'h2');
    }
    if (od) {
      check.push('observe', http ? 'layer7' : 'layer4', 'error-limit', String(od.consecutive5xx), 'on-error', 'mark-down');
      if (od.maxEjectionPercent < 100) {
        build.report(HaproxyCodes.EjectionCap, od.span, { percent: od.maxEjectionPercent, errors: od.consecutive5xx });
      }
    }
  }

  // mTLS to the callee's sidecar.
  const tls: string[] = [];
  if (c.tls) {
    // No `sni`: HAProxy would then require the callee's certificate to carry that DNS name, and
    // SPIFFE certificates carry only their URI SAN. The chain is verified against the mesh CA here,
    // and the URI SAN on every response below.
    tls.push('ssl', 'verify', 'required', 'ca-file', build.certs.ca, 'crt', build.certs.cert);
    if (h2) tls.push('alpn', 'h2');
    if (http) {
      // HAProxy cannot check a URI SAN during the handshake: refuse a response from any other identity.
      lines.push(
        Lif([[{ fetch: 'ssl_s_der,hex', match: 'sub', not: true, patterns: [uriSanHex(c.tls.peerIdentity)] }]],
          'http-response', 'deny', 'deny_status', '502'),
      );
    }
  } else if (h2) tls.push('proto', 'h2');

  // Circuit breaker: per-server limits, split evenly across static endpoints.
  const cb = c.circuitBreaker;
  if (cb.maxRetriesSpan) build.report(HaproxyCodes.RetryBudget, cb.maxRetriesSpan, { max: cb.maxRetries });
  const statics = c.endpoints.filter((e) => e.kind !== 'dns').length;
  const divide = (n: number): number => Math.max(1, Math.ceil(n / Math.max(1, c.endpoints.some((e) => e.kind === 'dns') ? 1 : statics)));
  const limits = ['maxconn', String(divide(Math.min(cb.maxConnections, cb.maxRequests))), 'maxqueue', String(divide(Math.max(1, cb.maxPendingRequests)))];

  lines.push(L('default-server', ...check, ...tls, ...limits));
  let i = 0;
  let d = 0;
  for (const e of c.endpoints) {
    if (e.kind === 'dns') {
      d++;
      lines.push(L('server-template', `dns${d}-`, `1-${DNS_SLOTS}`, address(e), 'resolvers', 'mesh', 'init-addr', 'none'));
    } else {
      i++;
      lines.push(L('server', `s${i}`, address(e)));
    }
  }
  const comment = `cluster ${c.id}: retries ${v.profile.retries}, timeout ${v.profile.serverTimeoutMs} ms`;
  return { keyword: 'backend', name: v.name, comment, lines };
}
