/**
 * From the IR to the ruleset's data: which (address, port) destinations meshc protects, with which
 * verdict chain, and the elements of every set and map. The rules themselves are fixed (see
 * render.ts): everything that grows with the mesh is an element here, never a rule.
 *
 * Reports what nftables cannot express (L7 conditions, JWT, DNS names, sources without addresses)
 * through the emit context, each once, at the user's span.
 * @module
 */
import type { DiagnosticArgs, DiagnosticInfo, Span } from '../../src/diagnostics/types.js';
import type {
  EndpointIR,
  InboundIR,
  MeshIR,
  PolicyRuleIR,
  RateLimitIR,
  ServiceIR,
  SourceIR,
} from '../../src/ir/types.js';
import type { EmitContext } from '../../src/target/types.js';
import {
  type Family,
  type Prefix,
  formatAddress,
  hostPrefix,
  parseAddress,
  parsePrefix,
  removeCovered,
} from './addr.js';
import { NftCodes } from './codes.js';

/** The chain a new connection to a protected destination goes to. */
export type PortVerdict = 'default_deny' | 'default_allow' | 'refused';

/** A protected destination: an address and a TCP port on it. */
export interface Dest {
  /** Address family. */
  family: Family;
  /** The address. */
  addr: bigint;
  /** The TCP port. */
  port: number;
}

/** An element of the `ports_*` verdict maps. */
export interface PortElement {
  /** Where. */
  dest: Dest;
  /** The chain that screens it. */
  verdict: PortVerdict;
  /** Who listens there, for the operator. */
  comment: string;
}

/** An element of the `deny_*` / `allow_*` sets: a source network, a destination. */
export interface PairElement {
  /** The source network. */
  prefix: Prefix;
  /** The destination. */
  dest: Dest;
  /** The Filters it comes from (sorted, unique once finished). */
  filters: string[];
}

/** One `by: source-ip` rate class: all limits with the same rate and burst share one rule per family. */
export interface SourceLimitClass {
  /** nftables rate text, e.g. `100/second`. */
  rate: string;
  /** Burst, in new connections. */
  burst: number;
  /** Idle time after which a client's bucket is forgotten (it is full again by then), seconds. */
  timeoutS: number;
  /** The destinations it applies to, with the Filters. */
  dests: { dest: Dest; filters: string[] }[];
}

/** A named limit object: one `global` budget for one port of one service or gateway listener. */
export interface GlobalLimit {
  /** Object name (an nft identifier). */
  name: string;
  /** nftables rate text. */
  rate: string;
  /** Burst, in new connections. */
  burst: number;
  /** The Filter and the port, for the operator. */
  comment: string;
}

/** Everything the ruleset holds besides its fixed rules. */
export interface RulesetModel {
  /** The mesh's name. */
  meshName: string;
  /** How refused connections are refused. */
  refuse: 'drop' | 'reject';
  /** Protected destinations. */
  ports: PortElement[];
  /** Sources that deny Filters refuse. */
  deny: PairElement[];
  /** Sources that allow Filters admit (only at destinations whose default is deny). */
  allow: PairElement[];
  /** Per-source rate classes, in order of first use. */
  sourceLimits: SourceLimitClass[];
  /** Named global limit objects, sorted by name. */
  globalLimits: GlobalLimit[];
  /**
   * Global-limit slots: slot j maps each destination to the j-th global limit of its port (several
   * global limits on one port all apply). As many slots as the most global limits on any one port.
   */
  globalSlots: { dest: Dest; limit: string }[][];
}

/** Who owns a protected port, for comments, diagnostics and limit names. */
interface Owner {
  /** `service orders port http` / `gateway edge listener https`. */
  label: string;
  /** Identifier-safe prefix for limit object names: `svc_orders_http`. */
  ident: string;
  /** The proxy that enforces L7 policy there, or undefined for a service without sidecar. */
  enforcer: string | undefined;
}

/** A policy compiled once per InboundIR, then paired with each of its destinations. */
interface CompiledPolicy {
  deny: { prefix: Prefix; filter: string }[];
  allow: { prefix: Prefix; filter: string }[];
  defaultAction: 'deny' | 'allow';
  sourceClasses: { cls: number; filter: string }[];
  globals: string[];
}

const destKey = (d: Dest): string => `${d.family}|${d.addr}|${d.port}`;

/** Rate units nftables knows, shortest first. */
const UNITS: readonly [string, bigint][] = [
  ['second', 1000n],
  ['minute', 60_000n],
  ['hour', 3_600_000n],
  ['day', 86_400_000n],
  ['week', 604_800_000n],
];

/**
 * The nftables rate for `requests` per `perMs` ms: the shortest unit in which it is a whole number,
 * or (rounded up) per week when none is exact.
 */
export function nftRate(requests: number, perMs: number): { text: string; exact: boolean } {
  const r = BigInt(requests);
  const p = BigInt(Math.max(1, perMs));
  for (const [unit, ms] of UNITS) {
    if ((r * ms) % p === 0n) return { text: `${(r * ms) / p}/${unit}`, exact: true };
  }
  const weekMs = 604_800_000n;
  return { text: `${(r * weekMs + p - 1n) / p}/week`, exact: false };
}

/** Longest idle time of a per-source bucket: long enough to refill (then forgetting it changes nothing). */
const MAX_METER_TIMEOUT_S = 604_800;

function meterTimeout(rl: RateLimitIR): number {
  // time to refill `burst` tokens at `requests` per `perMs`, in seconds, rounded up; at least a minute
  const refillMs = (BigInt(rl.burst) * BigInt(rl.perMs) + BigInt(rl.requests) - 1n) / BigInt(rl.requests);
  const s = Number((refillMs + 999n) / 1000n);
  return Math.min(MAX_METER_TIMEOUT_S, Math.max(60, s));
}

/** Builds the ruleset's data from the IR, reporting what nftables cannot express. */
export function buildModel(ir: MeshIR, ctx: EmitContext): RulesetModel {
  const reported = new Set<string>();
  const reportOnce = (key: string, info: DiagnosticInfo, span: Span | undefined, args: DiagnosticArgs): void => {
    if (reported.has(key)) return;
    reported.add(key);
    ctx.report(info, span, args);
  };
  const unsupportedOnce = (key: string, feature: string, span: Span | undefined, detail: string): void => {
    if (reported.has(key)) return;
    reported.add(key);
    ctx.unsupported(feature, span, detail);
  };

  // --- rate classes and global limit objects -------------------------------------------------
  const sourceLimits: SourceLimitClass[] = [];
  const classIndex = new Map<string, number>();
  const classDests: Map<string, { dest: Dest; filters: string[] }>[] = [];
  const globalLimits: GlobalLimit[] = [];
  const globalSlots: { dest: Dest; limit: string }[][] = [];

  const rateOf = (rl: RateLimitIR): string => {
    const r = nftRate(rl.requests, rl.perMs);
    if (!r.exact) {
      reportOnce(`rate|${rl.filter}`, NftCodes.RateRounded, rl.span, {
        filter: rl.filter, requests: rl.requests, per: rl.perMs, rate: r.text,
      });
    }
    return r.text;
  };

  // --- sources ------------------------------------------------------------------------------
  const EVERY: Prefix[] = [
    { family: 'ipv4', addr: 0n, len: 0 },
    { family: 'ipv6', addr: 0n, len: 0 },
  ];
  const sourcePrefixes = (rule: PolicyRuleIR, src: SourceIR, verb: string, hasCidr: boolean): Prefix[] => {
    if (src.kind === 'cidr') {
      const p = parsePrefix(src.cidr, src.family);
      // the IR guarantees a normalised CIDR; anything else never reaches the ruleset
      return p ? [p] : [];
    }
    const what = `${src.kind} ${src.name}`;
    const out: Prefix[] = [];
    for (const a of src.addresses) {
      const addr = a.kind === 'dns' ? undefined : parseAddress(a.host, a.kind);
      if (addr === undefined || a.kind === 'dns') {
        const key = `dnssrc|${rule.filter}|${src.kind}|${src.name}|${a.host}`;
        if (!reported.has(key)) {
          reported.add(key);
          ctx.report(NftCodes.DnsSource, src.span, { filter: rule.filter, source: what, host: a.host, verb },
            a.span ? { related: [{ span: a.span, message: `${what} lists ${a.host} here` }] } : {});
        }
        continue;
      }
      out.push(hostPrefix(a.kind, addr));
    }
    // a rule that also names networks has said where such traffic comes from: no warning then
    if (src.addresses.length === 0 && !hasCidr) {
      reportOnce(`nosrc|${rule.filter}|${src.kind}|${src.name}`, NftCodes.NoSourceAddress, src.span, {
        filter: rule.filter, source: what, verb,
      });
    }
    return out;
  };
  const ruleSources = (rule: PolicyRuleIR, verb: string): Prefix[] => {
    if (rule.from.length === 0) return EVERY;
    const hasCidr = rule.from.some((f) => f.kind === 'cidr');
    return rule.from.flatMap((s) => sourcePrefixes(rule, s, verb, hasCidr));
  };

  const compiled = new Map<InboundIR, CompiledPolicy>();
  const compile = (inb: InboundIR, owner: Owner): CompiledPolicy => {
    const hit = compiled.get(inb);
    if (hit) return hit;
    const pol: CompiledPolicy = { deny: [], allow: [], defaultAction: inb.defaultAction, sourceClasses: [], globals: [] };
    const l7 = (rule: PolicyRuleIR, kind: 'allow' | 'deny'): void => {
      if (owner.enforcer === undefined) {
        unsupportedOnce(`l7|${rule.filter}`, 'filter http conditions', rule.span,
          `${owner.label} has no sidecar, so no proxy checks the requests of filter ${rule.filter}; ` +
            (kind === 'allow' ? 'nftables admits its sources\' whole connections' : 'nftables does not refuse any connection for it'));
        return;
      }
      reportOnce(`l7|${rule.filter}`, NftCodes.L7ByProxy, rule.span, {
        filter: rule.filter,
        enforcer: owner.enforcer,
        l4: kind === 'allow' ? 'admits the connections of its sources' : 'does not refuse connections for it',
      });
    };
    for (const rule of inb.deny) {
      if (rule.http) {
        l7(rule, 'deny');
        continue; // refuses some requests only: never the whole connection
      }
      for (const p of ruleSources(rule, 'refuse')) pol.deny.push({ prefix: p, filter: rule.filter });
    }
    for (const rule of inb.allow) {
      if (rule.http) l7(rule, 'allow');
      // at ports whose default is allow, an allow changes nothing (deny is checked first)
      if (inb.defaultAction === 'deny') {
        for (const p of ruleSources(rule, 'admit')) pol.allow.push({ prefix: p, filter: rule.filter });
      }
    }
    for (const j of inb.jwt) {
      if (owner.enforcer === undefined) {
        unsupportedOnce(`jwt|${j.filter}`, 'jwt filter', j.span, `${owner.label} has no sidecar to validate tokens`);
      } else {
        reportOnce(`jwt|${j.filter}`, NftCodes.JwtByProxy, j.span, { filter: j.filter, enforcer: owner.enforcer });
      }
    }
    const seenClass = new Set<number>();
    for (const rl of inb.rateLimits) {
      const rate = rateOf(rl);
      if (inb.isHttp) {
        reportOnce(`rateconn|${rl.filter}`, NftCodes.RateIsConnections, rl.span, {
          filter: rl.filter, rate: rl.by === 'source-ip' ? `${rate} per source address` : `${rate} per host`, burst: rl.burst,
          limits: owner.enforcer === undefined
            ? `${owner.label} has no proxy: this limit on new TCP connections is the only one`
            : `the ${owner.enforcer} limits requests; nftables adds a limit on new TCP connections at the same rate`,
        });
      }
      if (rl.by === 'source-ip') {
        const key = `${rate}|${rl.burst}`;
        let cls = classIndex.get(key);
        if (cls === undefined) {
          cls = sourceLimits.length;
          classIndex.set(key, cls);
          sourceLimits.push({ rate, burst: rl.burst, timeoutS: meterTimeout(rl), dests: [] });
          classDests.push(new Map());
        }
        // two limits of one class on one port are the same bucket: one element, both names
        pol.sourceClasses.push({ cls, filter: rl.filter });
        seenClass.add(cls);
      } else {
        const name = `${owner.ident}_${rl.filter}`;
        globalLimits.push({ name, rate, burst: rl.burst, comment: `filter ${rl.filter}: ${owner.label}` });
        pol.globals.push(name);
      }
    }
    compiled.set(inb, pol);
    return pol;
  };

  // --- destinations -------------------------------------------------------------------------
  interface Claim { ownerKey: string; label: string; span: Span | undefined }
  const claims = new Map<string, Claim>();
  const ports: PortElement[] = [];
  const pairs = { deny: new Map<string, PairElement[]>(), allow: new Map<string, PairElement[]>() };

  const claim = (dest: Dest, ownerKey: string, label: string, span: Span | undefined): boolean => {
    const k = destKey(dest);
    const prior = claims.get(k);
    if (prior) {
      if (prior.ownerKey !== ownerKey) {
        ctx.report(
          NftCodes.DestinationConflict,
          span,
          { owner: label, other: prior.label, address: formatAddress(dest.addr, dest.family), port: dest.port },
          prior.span ? { related: [{ span: prior.span, message: `${prior.label} is declared here` }] } : {},
        );
      }
      return false;
    }
    claims.set(k, { ownerKey, label, span });
    return true;
  };

  const protect = (dest: Dest, inb: InboundIR, owner: Owner, span: Span | undefined): void => {
    if (!claim(dest, `${owner.label}|policy`, owner.label, span)) return;
    const pol = compile(inb, owner);
    ports.push({
      dest,
      verdict: pol.defaultAction === 'deny' ? 'default_deny' : 'default_allow',
      comment: owner.label,
    });
    const k = destKey(dest);
    for (const [which, list] of [['deny', pol.deny], ['allow', pol.allow]] as const) {
      const mine = list.filter((s) => s.prefix.family === dest.family);
      if (mine.length === 0) continue;
      pairs[which].set(k, mine.map((s) => ({ prefix: s.prefix, dest, filters: [s.filter] })));
    }
    for (const { cls, filter } of pol.sourceClasses) {
      const m = classDests[cls]!;
      const e = m.get(k);
      if (e) e.filters.push(filter);
      else m.set(k, { dest, filters: [filter] });
    }
    pol.globals.forEach((limit, j) => {
      while (globalSlots.length <= j) globalSlots.push([]);
      globalSlots[j]!.push({ dest, limit });
    });
  };

  const loopbackOnly = (dest: Dest, owner: Owner, span: Span | undefined): void => {
    const label = `${owner.label} (app port, loopback only)`;
    if (!claim(dest, `${owner.label}|app`, label, span)) return;
    ports.push({ dest, verdict: 'refused', comment: label });
  };

  const destOf = (e: EndpointIR, port: number): Dest | undefined => {
    if (e.kind === 'dns') return undefined;
    const addr = parseAddress(e.host, e.kind);
    return addr === undefined ? undefined : { family: e.kind, addr, port };
  };

  const dnsEndpoint = (owner: string, e: EndpointIR, fallback: Span): void => {
    reportOnce(`dnsdst|${owner}|${e.host}`, NftCodes.DnsEndpoint, e.span ?? fallback, { owner, host: e.host });
  };

  // admin ports of sidecars and gateways bind 127.0.0.1; refusing them from outside is a second
  // lock. They yield to every real destination (no conflict reported), so they are placed last.
  const adminPorts: { dest: Dest; label: string }[] = [];
  const admin = (e: EndpointIR, port: number, label: string): void => {
    const d = destOf(e, port);
    if (d) adminPorts.push({ dest: d, label });
  };

  for (const s of ir.services) {
    if (s.sidecar) for (const e of s.endpoints) admin(e, ir.mesh.sidecar.adminPort, `admin port of the sidecar of ${s.name} (loopback only)`);
    for (const port of s.ports) {
      const inb = s.inbound.find((i) => i.port === port.name);
      const owner: Owner = {
        label: `service ${s.name} port ${port.name}`,
        ident: `svc_${s.name}_${port.name}`,
        enforcer: s.sidecar ? `the sidecar of ${s.name}` : undefined,
      };
      for (const e of s.endpoints) {
        if (e.kind === 'dns' || parseAddress(e.host, e.kind) === undefined) {
          dnsEndpoint(`service ${s.name}`, e, s.span);
          continue;
        }
        const span = e.span ?? port.span;
        if (s.sidecar) {
          if (inb) protect(destOf(e, port.sidecarPort)!, inb, owner, span);
          loopbackOnly(destOf(e, port.port)!, owner, span);
          continue;
        }
        // without sidecar, callers reach the app port itself, or the endpoint's `host:port`
        if (inb) protect(destOf(e, e.port ?? port.port)!, inb, owner, span);
      }
    }
  }
  for (const g of ir.gateways) {
    for (const e of g.endpoints) admin(e, g.adminPort, `admin port of gateway ${g.name} (loopback only)`);
    for (const l of g.listeners) {
      const owner: Owner = {
        label: `gateway ${g.name} listener ${l.name}`,
        ident: `gw_${g.name}_${l.name}`,
        enforcer: `gateway ${g.name}`,
      };
      for (const e of g.endpoints) {
        const d = destOf(e, l.port);
        if (!d) {
          dnsEndpoint(`gateway ${g.name}`, e, g.span);
          continue;
        }
        protect(d, l.inbound, owner, e.span ?? l.span);
      }
    }
  }

  for (const a of adminPorts) {
    const k = destKey(a.dest);
    if (claims.has(k)) continue;
    claims.set(k, { ownerKey: a.label, label: a.label, span: undefined });
    ports.push({ dest: a.dest, verdict: 'refused', comment: a.label });
  }

  // --- finish: drop covered sources per destination, merge names, sort -------------------------
  const finishPairs = (m: Map<string, PairElement[]>): PairElement[] => {
    const out: PairElement[] = [];
    for (const list of m.values()) {
      const kept = removeCovered(list, (into, from) => into.filters.push(...from.filters));
      for (const el of kept) el.filters = [...new Set(el.filters)].sort();
      out.push(...kept);
    }
    return out.sort(comparePairs);
  };

  sourceLimits.forEach((cls, i) => {
    cls.dests = [...classDests[i]!.values()]
      .map((d) => ({ dest: d.dest, filters: [...new Set(d.filters)].sort() }))
      .sort((a, b) => compareDests(a.dest, b.dest));
  });
  for (const slot of globalSlots) slot.sort((a, b) => compareDests(a.dest, b.dest));

  return {
    meshName: ir.mesh.name,
    refuse: ir.mesh.nftables.refuse,
    ports: ports.sort((a, b) => compareDests(a.dest, b.dest)),
    deny: finishPairs(pairs.deny),
    allow: finishPairs(pairs.allow),
    sourceLimits,
    globalLimits: globalLimits.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    globalSlots,
  };
}

/** Orders destinations: family, address, port. */
export function compareDests(a: Dest, b: Dest): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  if (a.addr !== b.addr) return a.addr < b.addr ? -1 : 1;
  return a.port - b.port;
}

function comparePairs(a: PairElement, b: PairElement): number {
  const d = compareDests(a.dest, b.dest);
  if (d !== 0) return d;
  if (a.prefix.addr !== b.prefix.addr) return a.prefix.addr < b.prefix.addr ? -1 : 1;
  return a.prefix.len - b.prefix.len;
}
