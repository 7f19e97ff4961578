/**
 * HTTP routing for one frontend (an outbound listener of a sidecar, or a gateway listener): choose
 * a virtual host, then the first matching rule, then run that rule's action.
 *
 * The per-request cost stays flat with thousands of hosts and paths:
 * - hosts go through `map_str` (exact names) and one `map_str` per wildcard depth (`*.example.com`
 *   is the key `example.com`, looked up with the request host's last labels), most specific first;
 * - a run of consecutive rules that test only the path (exact or prefix, or nothing) becomes one
 *   `map_str` lookup for the exact paths and one `map_beg` lookup for the prefixes. HAProxy's tree
 *   lookups are case-sensitive longest-match, which equals first-match once the rules that an
 *   earlier rule of the run shadows are dropped (they can never match): within a run, an exact hit
 *   always precedes any prefix that also matches, and of two nested prefixes the longer one comes
 *   first. Keys carry the virtual host's number, so one pair of maps per run position serves every
 *   virtual host;
 * - other rules (headers, query, methods, regex) are one ACL each, tested only until a rule matched;
 * - the chosen rule's backend comes from a map (`rule → backend`); only rules with splits, rewrites,
 *   header changes, CORS, faults, redirects or direct responses add per-rule directives.
 * @module
 */
import type { RuleIR, StringMatchIR, Span } from '../../src/ir/types.js';
import type { Backends } from './backends.js';
import type { ProxyBuild } from './build.js';
import { HaproxyCodes } from './codes.js';
import { L, Lif, type Cond, type Line, type Term } from './model.js';
import { anchored, arg, lf, lfValue, reEscape, replLiteral } from './quote.js';

/** A set of hosts and its rules. */
export interface RouteHost {
  /** Host names (exact, `*.suffix`, or `*`); empty for every host. */
  hosts: string[];
  /** Rules, first match wins. */
  rules: RuleIR[];
}

/** What to route. */
export interface RouterInput {
  /** The frontend's name (map files are named after it). */
  frontend: string;
  /** Virtual hosts in priority order. */
  vhosts: RouteHost[];
  /** Whether to select a virtual host by the Host header (gateways) or use the only one (sidecars). */
  hostRouting: boolean;
  /** The scheme clients use on this frontend (for redirects that keep it). */
  scheme: 'http' | 'https';
}

/** Lines the router adds to the frontend, by phase. */
export interface RouterOutput {
  /** `http-request` directives. */
  request: Line[];
  /** `http-response` directives. */
  response: Line[];
  /** `use_backend` directives. */
  use: Line[];
}

type MapStep = { kind: 'map'; exact: Map<string, number>; prefix: Map<string, number> };
type AclStep = { kind: 'acl'; rule: number; terms: Term[] };
type Step = MapStep | AclStep;

const RULE = 'txn.rule';
const VHOST = 'txn.vhost';

/** The test "rule k was chosen". */
function chosen(k: number): Term {
  return { fetch: `var(${RULE})`, match: 'int', ops: [String(k)] };
}

/** Builds the routing directives and map files. */
export function route(build: ProxyBuild, backends: Backends, input: RouterInput): RouterOutput {
  const request: Line[] = [];
  const response: Line[] = [];
  const fe = input.frontend;
  const rules: RuleIR[] = [];
  const stepsPerHost: Step[][] = [];

  // Number the rules and cut each host's rules into steps.
  input.vhosts.forEach((vh) => {
    const steps: Step[] = [];
    let run: MapStep | undefined;
    let done = false;
    for (const rule of vh.rules) {
      const k = rules.length;
      rules.push(rule);
      if (done) continue; // after a rule that matches everything, nothing else can match
      const path = mapKey(rule);
      if (path) {
        if (!run) {
          run = { kind: 'map', exact: new Map(), prefix: new Map() };
          steps.push(run);
        }
        if (path.kind === 'exact') {
          if (!run.exact.has(path.value) && !hasPrefixIn(run.prefix, path.value)) run.exact.set(path.value, k);
        } else if (!hasPrefixIn(run.prefix, path.value)) {
          run.prefix.set(path.value, k);
          if (path.value === '/') done = true;
        }
      } else {
        run = undefined;
        const terms = matchTerms(build, rule);
        if (terms) steps.push({ kind: 'acl', rule: k, terms });
      }
    }
    stepsPerHost.push(steps);
  });

  const reachable = new Set<number>();
  for (const steps of stepsPerHost) {
    for (const s of steps) {
      if (s.kind === 'acl') reachable.add(s.rule);
      else for (const k of [...s.exact.values(), ...s.prefix.values()]) reachable.add(k);
    }
  }

  // Virtual host selection.
  let key = 'path';
  if (input.hostRouting) {
    request.push(...hostLines(build, input));
    request.push(L('http-request', 'set-var(txn.path)', 'path'));
    request.push(L('http-request', 'set-var(txn.key)', `var(${VHOST}),concat(,txn.path,)`));
    key = 'var(txn.key)';
  }
  const vhostTerm = (v: number): Term[] => (input.hostRouting ? [{ fetch: `var(${VHOST})`, match: 'int', ops: [String(v)] }] : []);
  const notChosen: Term = { fetch: `var(${RULE})`, match: 'found', not: true };

  // Rule selection, one step position at a time.
  const depth = Math.max(0, ...stepsPerHost.map((s) => s.length));
  for (let s = 0; s < depth; s++) {
    const exact: string[] = [];
    const prefix: string[] = [];
    const acls: Line[] = [];
    stepsPerHost.forEach((steps, v) => {
      const step = steps[s];
      if (!step) return;
      const p = input.hostRouting ? String(v) : '';
      if (step.kind === 'map') {
        for (const [path, k] of step.exact) exact.push(`${p}${path} ${k}`);
        for (const [path, k] of step.prefix) prefix.push(`${p}${path} ${k}`);
      } else {
        acls.push(Lif([[notChosen, ...vhostTerm(v), ...step.terms]], 'http-request', `set-var(${RULE})`, `int(${step.rule})`, ));
        acls[acls.length - 1]!.comment = `rule ${rules[step.rule]!.name}`;
      }
    });
    if (exact.length > 0) {
      const file = build.addFile(`${fe}.s${s}.exact.map`, sortedMap(exact));
      request.push(Lif(s === 0 ? undefined : [[notChosen]], 'http-request', `set-var(${RULE})`, `${key},map_str_int(${file})`));
    }
    if (prefix.length > 0) {
      const file = build.addFile(`${fe}.s${s}.prefix.map`, sortedMap(prefix));
      request.push(Lif(s === 0 && exact.length === 0 ? undefined : [[notChosen]], 'http-request', `set-var(${RULE})`, `${key},map_beg_int(${file})`));
    }
    request.push(...acls);
  }
  request.push(Lif([[notChosen]], 'http-request', 'deny', 'deny_status', '404'));

  // Actions.
  const single: string[] = [];
  const splits: Line[] = [];
  rules.forEach((rule, k) => {
    if (!reachable.has(k)) return;
    const is: Term = chosen(k);
    request.push(...actionLines(build, input, rule, k, is, response));
    if (rule.action.kind !== 'forward') return;
    const live = rule.action.backends.filter((b) => b.weight > 0);
    const names = live.map((b) => backends.forRule(b.cluster, rule, true));
    if (live.length === 1 || new Set(names).size === 1) {
      single.push(`${k} ${names[0]}`);
      return;
    }
    const total = live.reduce((n, b) => n + b.weight, 0);
    splits.push(Lif([[is]], 'http-request', 'set-var(txn.split)', `rand(${total})`));
    let lo = 0;
    live.forEach((b, i) => {
      const hi = lo + b.weight - 1;
      splits.push(Lif([[is, { fetch: 'var(txn.split)', match: 'int', ops: [`${lo}:${hi}`] }]], 'http-request', 'set-var(txn.backend)', `str(${names[i]})`));
      lo = hi + 1;
    });
  });
  if (single.length > 0) {
    const file = build.addFile(`${fe}.backends.map`, sortedMap(single));
    request.push(L('http-request', 'set-var(txn.backend)', `var(${RULE}),map_str(${file})`));
  }
  request.push(...splits);
  const use = [Lif([[{ fetch: 'var(txn.backend)', match: 'found' }]], 'use_backend', '%[var(txn.backend)]')];
  return { request, response, use };
}

/** Map lines sorted by key, one per line, newline-terminated. */
function sortedMap(lines: string[]): string {
  return [...lines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join('\n') + '\n';
}

/** Whether any key of `prefixes` is a prefix of `path`. */
function hasPrefixIn(prefixes: Map<string, number>, path: string): boolean {
  for (let i = 1; i <= path.length; i++) if (prefixes.has(path.slice(0, i))) return true;
  return false;
}

/** The path map entry of a rule that tests only the path (or nothing), else undefined. */
function mapKey(rule: RuleIR): { kind: 'exact' | 'prefix'; value: string } | undefined {
  const m = rule.match;
  if (m.headers.length > 0 || m.query.length > 0 || m.methods.length > 0) return undefined;
  if (!m.path) return { kind: 'prefix', value: '/' };
  if (m.path.kind === 'regex') return undefined;
  // Map keys end at the first blank; paths never contain one (the schema), but stay safe.
  if (!/^\/[\x21-\x7e]*$/.test(m.path.value)) return undefined;
  return { kind: m.path.kind, value: m.path.value };
}

/** The ACL terms of a rule's match, or undefined when it cannot match (a reported NUL). */
function matchTerms(build: ProxyBuild, rule: RuleIR): Term[] | undefined {
  const m = rule.match;
  const terms: Term[] = [];
  const span = (f: 'match.path' | 'match.headers' | 'match.query'): Span => rule.featureSpans[f] ?? rule.span;
  if (m.path) {
    if (!build.usable(m.path.value, `rule ${rule.name}: path`, span('match.path'))) return undefined;
    if (m.path.kind === 'exact') terms.push({ fetch: 'path', match: 'str', patterns: [m.path.value] });
    else if (m.path.kind === 'prefix') terms.push(m.path.value === '' ? { fetch: 'path', match: 'found' } : { fetch: 'path', match: 'beg', patterns: [m.path.value] });
    else terms.push({ fetch: 'path', match: 'reg', patterns: [anchored(m.path.value)] });
  }
  for (const h of m.headers) {
    if (!build.usable(h.value, `rule ${rule.name}: header ${h.name}`, span('match.headers'))) return undefined;
    terms.push(valueTerm(`req.fhdr(${arg(h.name)})`, h));
  }
  for (const q of m.query) {
    if (!build.usable(q.value + q.name, `rule ${rule.name}: query ${q.name}`, span('match.query'))) return undefined;
    terms.push(valueTerm(`url_param(${arg(q.name)})`, q));
  }
  if (m.methods.length > 0) terms.push({ fetch: 'method', patterns: m.methods });
  return terms;
}

/** A test of a header or query value. */
function valueTerm(fetch: string, s: StringMatchIR): Term {
  switch (s.kind) {
    case 'present':
      return { fetch, match: 'found' };
    case 'absent':
      return { fetch, match: 'found', not: true };
    case 'exact':
      return s.value === '' ? { fetch, match: 'len', ops: ['0'] } : { fetch, match: 'str', patterns: [s.value] };
    case 'prefix':
      return s.value === '' ? { fetch, match: 'found' } : { fetch, match: 'beg', patterns: [s.value] };
    case 'regex':
      return { fetch, match: 'reg', patterns: [anchored(s.value)] };
  }
}

/** Virtual host selection into `txn.vhost`. */
function hostLines(build: ProxyBuild, input: RouterInput): Line[] {
  const lines: Line[] = [L('http-request', 'set-var(txn.host)', 'req.hdr(host),field(1,:),lower')];
  const exact = new Map<string, number>();
  const wild = new Map<string, number>();
  let fallback: number | undefined;
  input.vhosts.forEach((vh, v) => {
    if (vh.hosts.length === 0 || vh.hosts.includes('*')) {
      fallback ??= v;
      return;
    }
    for (const h of vh.hosts) {
      if (h.startsWith('*.')) {
        if (!wild.has(h.slice(2))) wild.set(h.slice(2), v);
      } else if (!exact.has(h)) exact.set(h, v);
    }
  });
  const notFound: Term = { fetch: `var(${VHOST})`, match: 'found', not: true };
  if (exact.size > 0) {
    const file = build.addFile(`${input.frontend}.hosts.map`, sortedMap([...exact].map(([h, v]) => `${h} ${v}`)));
    lines.push(L('http-request', `set-var(${VHOST})`, `var(txn.host),map_str_int(${file})`));
  }
  if (wild.size > 0) {
    const file = build.addFile(`${input.frontend}.wildcards.map`, sortedMap([...wild].map(([h, v]) => `${h} ${v}`)));
    const depths = [...new Set([...wild.keys()].map((h) => h.split('.').length))].sort((a, b) => b - a);
    for (const d of depths) {
      lines.push(
        Lif([[notFound, { fetch: `var(txn.host),field(-${d + 1},.)`, match: 'found' }]], 'http-request', `set-var(${VHOST})`, `var(txn.host),field(-1,.,${d}),map_str_int(${file})`),
      );
    }
  }
  if (fallback !== undefined) lines.push(Lif([[notFound]], 'http-request', `set-var(${VHOST})`, `int(${fallback})`));
  lines.push(Lif([[notFound]], 'http-request', 'deny', 'deny_status', '404'));
  return lines;
}

/** The directives of a rule's action and modifiers (not its backend choice). */
function actionLines(build: ProxyBuild, input: RouterInput, rule: RuleIR, k: number, is: Term, response: Line[]): Line[] {
  const out: Line[] = [];
  const fs = rule.featureSpans;
  const at = (f: keyof typeof fs): Span => fs[f] ?? rule.span;
  const when = (...terms: Term[]): Cond => [[is, ...terms]];

  if (rule.mirror) build.unsupported('request mirroring', at('mirror'), 'HAProxy 2.6 cannot copy requests to another backend');
  if (rule.fault?.delay) build.unsupported('fault delay', at('fault.delay'), 'HAProxy 2.6 has no action that delays a request');
  const abort = rule.fault?.abort;
  if (abort) {
    if (abort.status < 200) build.unsupported(`fault abort with status ${abort.status}`, at('fault.abort'), 'HAProxy returns final statuses (200-599) only');
    else if (abort.percent > 0) {
      const share = Math.round(abort.percent * 10000);
      const terms: Term[] = share >= 1_000_000 ? [] : [{ fetch: 'rand(1000000)', match: 'int', ops: ['lt', String(share)] }];
      out.push(Lif(when(...terms), 'http-request', 'return', 'status', abort.status));
    }
  }

  const cors = rule.cors;
  if (cors) out.push(...corsLines(build, rule, when, response));

  const a = rule.action;
  if (a.kind === 'redirect') {
    out.push(...redirectLines(build, input, rule, when));
    return out;
  }
  if (a.kind === 'directResponse') {
    const span = at('directResponse');
    if (a.status < 200) {
      build.unsupported(`direct response with status ${a.status}`, span, 'HAProxy returns final statuses (200-599) only');
      return out;
    }
    if (a.body !== '' && (a.status === 204 || a.status === 304)) {
      build.report(HaproxyCodes.BodyNotAllowed, span, { status: a.status });
      return out;
    }
    if (!build.usable(a.body, `rule ${rule.name}: body`, a.bodySpan ?? span)) return out;
    const words = ['http-request', 'return', 'status', String(a.status)];
    if (a.body !== '') words.push('content-type', a.contentType, 'string', a.body);
    out.push(Lif(when(), ...words));
    return out;
  }

  // Forwarding: rewrites, then header changes.
  const rw = rule.rewrite;
  if (rw?.path) {
    const p = rw.path;
    const span = at('rewrite.path');
    if (p.kind === 'prefix') {
      if (build.usable(p.matchedPrefix + p.replacement, `rule ${rule.name}: path rewrite`, span)) {
        out.push(Lif(when(), 'http-request', 'replace-path', `^${reEscape(p.matchedPrefix)}(.*)$`, `${lf(replLiteral(p.replacement))}\\1`));
      }
    } else if (p.kind === 'regex') {
      if (build.usable(p.pattern + p.substitution, `rule ${rule.name}: path rewrite`, span)) {
        out.push(Lif(when(), 'http-request', 'replace-path', anchored(p.pattern), lfValue(p.substitution)));
      }
    } else if (build.usable(p.path, `rule ${rule.name}: path rewrite`, span)) {
      out.push(Lif(when(), 'http-request', 'set-path', lfValue(p.path)));
    }
  }
  if (rw?.host !== undefined) out.push(Lif(when(), 'http-request', 'set-header', 'host', lfValue(rw.host)));
  out.push(...headerLines(build, rule, 'http-request', rule.headers.request, when, at('headers.request')));
  response.push(...headerLines(build, rule, 'http-response', rule.headers.response, when, at('headers.response')));
  return out;
}

/** set/add/remove header directives. */
function headerLines(
  build: ProxyBuild,
  rule: RuleIR,
  phase: 'http-request' | 'http-response',
  ops: RuleIR['headers']['request'],
  when: (...t: Term[]) => Cond,
  span: Span,
): Line[] {
  const out: Line[] = [];
  for (const h of ops.remove) out.push(Lif(when(), phase, 'del-header', h));
  for (const h of ops.set) if (build.usable(h.value, `rule ${rule.name}: header ${h.name}`, span)) out.push(Lif(when(), phase, 'set-header', h.name, lfValue(h.value)));
  for (const h of ops.add) if (build.usable(h.value, `rule ${rule.name}: header ${h.name}`, span)) out.push(Lif(when(), phase, 'add-header', h.name, lfValue(h.value)));
  return out;
}

/** Redirect: `Location` is scheme://host[:port]path[?query]. */
function redirectLines(build: ProxyBuild, input: RouterInput, rule: RuleIR, when: (...t: Term[]) => Cond): Line[] {
  const a = rule.action;
  if (a.kind !== 'redirect') return [];
  const scheme = a.scheme ?? input.scheme;
  const defaultPort = scheme === 'https' ? 443 : 80;
  let authority: string;
  if (a.host === undefined && a.port === undefined && a.scheme === undefined) authority = '%[req.hdr(host)]';
  else {
    authority = a.host !== undefined ? lf(a.host) : '%[req.hdr(host),field(1,:)]';
    if (a.port !== undefined && a.port !== defaultPort) authority += `:${a.port}`;
  }
  const base = `${scheme}://${authority}`;
  if (a.path === undefined) return [Lif(when(), 'http-request', 'redirect', 'location', `${base}%[pathq]`, 'code', a.status)];
  if (!build.usable(a.path, `rule ${rule.name}: redirect path`, rule.featureSpans.redirect ?? rule.span)) return [];
  const withQuery: Term = { fetch: 'query', match: 'found' };
  return [
    Lif(when(withQuery), 'http-request', 'redirect', 'location', `${base}${lf(a.path)}?%[query]`, 'code', a.status),
    Lif(when({ ...withQuery, not: true }), 'http-request', 'redirect', 'location', `${base}${lf(a.path)}`, 'code', a.status),
  ];
}

/** CORS: answer allowed preflights, add the CORS headers to allowed responses. */
function corsLines(build: ProxyBuild, rule: RuleIR, when: (...t: Term[]) => Cond, response: Line[]): Line[] {
  const c = rule.cors!;
  const out: Line[] = [];
  const any = c.allowOrigins.includes('*');
  const origin: Term = any ? { fetch: 'req.hdr(origin)', match: 'found' } : { fetch: 'req.fhdr(origin)', match: 'str', patterns: c.allowOrigins };
  out.push(Lif(when(origin), 'http-request', 'set-var(txn.origin)', 'req.fhdr(origin)'));
  const ok: Term = { fetch: 'var(txn.origin)', match: 'found' };
  const allowOrigin = any && !c.allowCredentials ? '*' : '%[var(txn.origin)]';
  const hdrs: string[] = ['hdr', 'access-control-allow-origin', allowOrigin];
  if (c.allowMethods.length > 0) hdrs.push('hdr', 'access-control-allow-methods', lf(c.allowMethods.join(', ')));
  if (c.allowHeaders.length > 0) hdrs.push('hdr', 'access-control-allow-headers', lf(c.allowHeaders.join(', ')));
  if (c.maxAgeSeconds !== undefined) hdrs.push('hdr', 'access-control-max-age', String(c.maxAgeSeconds));
  if (c.allowCredentials) hdrs.push('hdr', 'access-control-allow-credentials', 'true');
  if (!any || c.allowCredentials) hdrs.push('hdr', 'vary', 'origin');
  out.push(
    Lif(when(ok, { fetch: 'method', ops: ['OPTIONS'] }, { fetch: 'req.hdr(access-control-request-method)', match: 'found' }),
      'http-request', 'return', 'status', '200', ...hdrs),
  );
  response.push(Lif(when(ok), 'http-response', 'set-header', 'access-control-allow-origin', allowOrigin));
  if (c.exposeHeaders.length > 0) response.push(Lif(when(ok), 'http-response', 'set-header', 'access-control-expose-headers', lf(c.exposeHeaders.join(', '))));
  if (c.allowCredentials) response.push(Lif(when(ok), 'http-response', 'set-header', 'access-control-allow-credentials', 'true'));
  if (!any || c.allowCredentials) response.push(Lif(when(ok), 'http-response', 'add-header', 'vary', 'origin'));
  void build;
  return out;
}
