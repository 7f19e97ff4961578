/**
 * NetworkPolicies from the Filters: the L4 part of each port's policy, as Kubernetes can express
 * it. A NetworkPolicy never refuses what the proxy would admit (it is defense in depth, and the
 * sidecar decides exactly); it admits, per port, the pods and addresses that some allow Filter
 * admits (or everyone where the policy admits everyone), minus what an unconditional deny refuses
 * when that is expressible (a denied source, or a denied CIDR inside an admitted one).
 * @module
 */
import type { EndpointIR, InboundIR, MeshIR, PolicyRuleIR, Span } from '../../src/ir/types.js';
import { KubernetesCodes } from './codes.js';
import { gatewaySelector, serviceSelector } from './labels.js';
import type { EmitContext } from '../../src/target/types.js';
import { canonicalJson } from './util.js';

/** A NetworkPolicy peer. */
export type Peer =
  | { podSelector: { matchLabels: Record<string, string> } }
  | { ipBlock: { cidr: string; except?: string[] } };

/** One ingress rule of a NetworkPolicy. */
export interface IngressRule {
  /** Sources; absent for every source. */
  from?: Peer[];
  /** The ports. */
  ports: { port: number; protocol: 'TCP' }[];
}

/** Who may connect to one port at L4. */
type Admitted = { kind: 'all' } | { kind: 'none' } | { kind: 'peers'; peers: Peer[] };

interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
  text: string;
}

function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (!text.includes(':')) return undefined;
  let t = text;
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const p = parseIp(v4[2]!);
    if (!p) return undefined;
    t = `${v4[1]!}${(p.value >> 16n).toString(16)}:${(p.value & 0xffffn).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string) => (s === '' ? [] : s.split(':'));
  const left = words(halves[0]!);
  const right = halves.length === 2 ? words(halves[1]!) : [];
  if (![...left, ...right].every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) return undefined;
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const all = [...left, ...Array<string>(fill).fill('0'), ...right];
  return { family: 6, value: all.reduce((acc, w) => (acc << 16n) | BigInt('0x' + w), 0n) };
}

function parseCidr(text: string): Cidr | undefined {
  const [addr, len] = text.split('/');
  const ip = parseIp(addr ?? '');
  if (!ip) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = len === undefined ? bits : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { family: ip.family, base: ip.value & mask, prefix, text };
}

/** Whether `inner` lies inside `outer` (equal counts). */
function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const bits = outer.family === 4 ? 32 : 128;
  return inner.base >> BigInt(bits - outer.prefix) === outer.base >> BigInt(bits - outer.prefix);
}

/** A rule that applies to every request/connection of its sources (no L7 condition). */
function unconditional(r: PolicyRuleIR): boolean {
  return r.http === undefined;
}

/**
 * The L4 admission of one port. `target` names the protected workload for diagnostics.
 */
function admitted(inb: InboundIR, ctx: EmitContext, target: string): Admitted {
  const denies = inb.deny.filter(unconditional);
  if (denies.some((d) => d.from.length === 0)) return { kind: 'none' };
  const deniedCidrs: Cidr[] = [];
  const deniedNames = new Set<string>();
  for (const d of denies) {
    for (const src of d.from) {
      if (src.kind === 'cidr') {
        const c = parseCidr(src.cidr);
        if (c) deniedCidrs.push(c);
      } else {
        deniedNames.add(`${src.kind}/${src.name}`);
        // Its hosts outside Kubernetes: refused inside an admitted IP block too.
        for (const e of src.addresses) {
          const c = e.kind === 'ipv4' ? parseCidr(`${e.host}/32`) : e.kind === 'ipv6' ? parseCidr(`${e.host}/128`) : undefined;
          if (c) deniedCidrs.push(c);
        }
      }
    }
  }
  if (inb.defaultAction === 'allow') {
    // A NetworkPolicy can only admit: it cannot refuse some sources while admitting every other.
    for (const d of denies) ctx.report(KubernetesCodes.DenyNotExpressible, d.span, { filter: d.filter, port: inb.port, target });
    return { kind: 'all' };
  }
  if (inb.allow.some((a) => a.from.length === 0)) return { kind: 'all' };
  const peers: Peer[] = [];
  const seen = new Set<string>();
  const add = (p: Peer) => {
    const key = canonicalJson(p);
    if (!seen.has(key)) {
      seen.add(key);
      peers.push(p);
    }
  };
  const addBlock = (text: string) => {
    const c = parseCidr(text);
    if (!c) return;
    if (deniedCidrs.some((d) => contains(d, c))) return;
    const except = deniedCidrs.filter((d) => d.prefix > c.prefix && contains(c, d)).map((d) => d.text);
    add({ ipBlock: except.length > 0 ? { cidr: c.text, except } : { cidr: c.text } });
  };
  const addEndpoints = (kind: 'service' | 'gateway', name: string, addresses: EndpointIR[], span: Span): boolean => {
    for (const e of addresses) {
      if (e.kind === 'dns') {
        ctx.report(KubernetesCodes.UnmatchableSource, span, { kind, name, host: e.host, port: inb.port, target });
        return false;
      }
      addBlock(e.kind === 'ipv4' ? `${e.host}/32` : `${e.host}/128`);
    }
    return true;
  };
  for (const rule of inb.allow) {
    for (const src of rule.from) {
      if (src.kind === 'cidr') {
        addBlock(src.cidr);
        continue;
      }
      if (deniedNames.has(`${src.kind}/${src.name}`)) continue;
      add({ podSelector: { matchLabels: src.kind === 'service' ? serviceSelector(src) : gatewaySelector(src) } });
      if (!addEndpoints(src.kind, src.name, src.addresses, src.span)) return { kind: 'all' };
    }
  }
  return peers.length === 0 ? { kind: 'none' } : { kind: 'peers', peers };
}

/**
 * The ingress rules for a workload's ports: ports with the same sources share a rule, in port
 * order; closed ports appear in none.
 */
export function ingressRules(ports: readonly InboundIR[], ctx: EmitContext, target: string): IngressRule[] {
  const rules: IngressRule[] = [];
  const byPeers = new Map<string, IngressRule>();
  for (const inb of ports) {
    const a = admitted(inb, ctx, target);
    if (a.kind === 'none') continue;
    const from = a.kind === 'all' ? undefined : a.peers;
    const key = from === undefined ? '*' : canonicalJson(from);
    let rule = byPeers.get(key);
    if (!rule) {
      rule = from === undefined ? { ports: [] } : { from, ports: [] };
      byPeers.set(key, rule);
      rules.push(rule);
    }
    if (!rule.ports.some((p) => p.port === inb.listenPort)) rule.ports.push({ port: inb.listenPort, protocol: 'TCP' });
  }
  return rules;
}

/** Whether the mesh wants a namespace-wide default-deny NetworkPolicy. */
export function wantsDefaultDeny(ir: MeshIR): boolean {
  return ir.mesh.defaultAction === 'deny';
}
