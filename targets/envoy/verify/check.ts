/**
 * The structural checker: one YAML document against a protobuf message of Envoy's v3 API, in the
 * proto3 JSON mapping Envoy reads its YAML with, plus the protoc-gen-validate rules Envoy enforces
 * when it loads a config.
 *
 * Structure (as Envoy's strict JSON parser): every key names a field of the message (proto name in
 * snake_case or its lowerCamelCase JSON name), no field twice, the value's kind fits the field's
 * type (messages are mappings, repeated fields sequences, maps mappings, 64-bit integers numbers or
 * decimal strings, bytes base64, enums names or numbers), at most one member of each oneof,
 * durations as `"<seconds>[.<fraction>]s"`, `google.protobuf.Any` by its `@type` (resolved and
 * checked in turn), well-known types (wrappers, Struct, Value, Empty, FieldMask, Timestamp) in their
 * JSON forms. Fields and enum values marked deprecated are refused.
 *
 * Validation (protoc-gen-validate, as Envoy's `MessageUtil::validate`): message required, oneof
 * required, string (len, min/max_len, min/max_bytes, prefix, suffix, contains, not_contains,
 * pattern, const, in, not_in, well_known_regex for HTTP header names and values, ip, hostname…),
 * bytes lengths, numbers and wrapped numbers (const, lt, lte, gt, gte, in, not_in), durations
 * (required, const, bounds, in, not_in), enums (defined_only, const, in, not_in), bool const,
 * repeated (min_items, max_items, unique, items), map (min_pairs, max_pairs, keys, values), any
 * (required, in, not_in); `ignore_empty` and message `(validate.disabled)` honoured.
 *
 * The checker also returns the document normalised to proto field names, for the semantic checks.
 * @module
 */
import { isIP } from 'node:net';
import protobuf from 'protobufjs';
import type { DiagnosticArgs, DiagnosticInfo } from '../../../src/diagnostics/types.js';
import { closest } from '../../../src/util/strings.js';
import { EnvoyCodes } from '../codes.js';
import type { EnvoyApi } from './api.js';
import type { YFile, YMap, YNode } from './yaml-tree.js';

/** One problem found in an emitted file. */
export interface VerifyProblem {
  /** The catalog entry. */
  info: DiagnosticInfo;
  /** The emitted file (relative output path). */
  file: string;
  /** 1-based line in it. */
  line: number;
  /** 1-based column in it. */
  column: number;
  /** The field path, e.g. `static_resources.clusters[0].lb_policy`. */
  path: string;
  /** Template arguments (including `where`). */
  args: DiagnosticArgs;
}

/** Where a normalised object came from. */
export interface Origin {
  path: string;
  off: number;
}

/** A normalised message: proto field names; values normalised likewise. */
export type Norm = { [field: string]: unknown };

const TYPE_PREFIX = 'type.googleapis.com/';

const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64 = new Set(['uint64', 'fixed64']);
const FLOAT = new Set(['double', 'float']);

/** Max seconds of a protobuf Duration (10 000 years). */
const MAX_DURATION_S = 315_576_000_000n;

/**
 * Where a `google.protobuf.Any` may hold what: `<message>.<field>` → accepted `@type` prefixes
 * (Envoy's extension categories for the fields meshc emits).
 */
const EXTENSION_CATEGORIES: Record<string, { prefixes: string[]; category: string }> = {
  '.envoy.config.listener.v3.Filter.typed_config': { prefixes: ['envoy.extensions.filters.network.'], category: 'a network filter' },
  '.envoy.config.listener.v3.ListenerFilter.typed_config': { prefixes: ['envoy.extensions.filters.listener.'], category: 'a listener filter' },
  '.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.typed_config': { prefixes: ['envoy.extensions.filters.http.'], category: 'an HTTP filter' },
  '.envoy.config.core.v3.TransportSocket.typed_config': { prefixes: ['envoy.extensions.transport_sockets.'], category: 'a transport socket' },
  '.envoy.config.cluster.v3.Cluster.typed_extension_protocol_options': { prefixes: ['envoy.extensions.upstreams.', 'envoy.extensions.filters.network.'], category: 'a protocol options extension' },
  '.envoy.config.route.v3.Route.typed_per_filter_config': { prefixes: ['envoy.extensions.filters.http.', 'envoy.config.route.v3.FilterConfig'], category: 'a per-route HTTP filter config' },
  '.envoy.config.route.v3.VirtualHost.typed_per_filter_config': { prefixes: ['envoy.extensions.filters.http.', 'envoy.config.route.v3.FilterConfig'], category: 'a per-route HTTP filter config' },
  '.envoy.config.route.v3.RouteConfiguration.typed_per_filter_config': { prefixes: ['envoy.extensions.filters.http.', 'envoy.config.route.v3.FilterConfig'], category: 'a per-route HTTP filter config' },
  '.envoy.config.route.v3.WeightedCluster.ClusterWeight.typed_per_filter_config': { prefixes: ['envoy.extensions.filters.http.', 'envoy.config.route.v3.FilterConfig'], category: 'a per-route HTTP filter config' },
};

/** protoc-gen-validate rules of a field (`validate.FieldRules` as protobufjs parses options). */
type Rules = { [k: string]: any };

/** protobuf's JSON name of a field: lowerCamelCase of the proto name. */
export function jsonName(name: string): string {
  let out = '';
  let upper = false;
  for (const ch of name) {
    if (ch === '_') upper = true;
    else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out;
}

/** Merges a field's `(validate.rules)` parsed options into one object. */
function mergeDeep(into: Rules, from: Rules): Rules {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && into[k] && typeof into[k] === 'object' && !Array.isArray(into[k])) mergeDeep(into[k] as Rules, v as Rules);
    else into[k] = v;
  }
  return into;
}

function optionOf(parsed: unknown, name: string): Rules | undefined {
  if (!Array.isArray(parsed)) return undefined;
  let out: Rules | undefined;
  for (const o of parsed as Rules[]) {
    if (o && Object.prototype.hasOwnProperty.call(o, name)) {
      const v = o[name];
      if (v && typeof v === 'object') out = mergeDeep(out ?? {}, v as Rules);
      else out = { __value: v };
    }
  }
  return out;
}

const rulesCache = new WeakMap<protobuf.Field, Rules | null>();
function fieldRules(f: protobuf.Field): Rules | undefined {
  let r = rulesCache.get(f);
  if (r === undefined) {
    r = optionOf((f as unknown as { parsedOptions?: unknown }).parsedOptions, '(validate.rules)') ?? null;
    rulesCache.set(f, r);
  }
  return r ?? undefined;
}

/** A repeated rule value (`in`, `not_in`): protobufjs gives a single value when the list has one entry. */
function list(v: unknown): unknown[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function isTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

function toBig(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as { low: number; high: number; unsigned?: boolean };
    return (BigInt(l.high >>> 0) << 32n) + BigInt(l.low >>> 0) - (l.unsigned || l.high >= 0 ? 0n : 1n << 64n);
  }
  return BigInt(String(v));
}

function durationRuleNanos(v: unknown): bigint {
  const d = (v ?? {}) as { seconds?: unknown; nanos?: unknown };
  return toBig(d.seconds ?? 0) * 1_000_000_000n + toBig(d.nanos ?? 0);
}

/** Parses a protobuf JSON Duration; undefined when malformed or out of range. */
export function parseDuration(s: string): bigint | undefined {
  const m = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(s);
  if (!m) return undefined;
  const secs = BigInt(m[2]!);
  if (secs > MAX_DURATION_S) return undefined;
  const nanos = BigInt((m[3] ?? '').padEnd(9, '0'));
  const total = secs * 1_000_000_000n + nanos;
  return m[1] ? -total : total;
}

function fmtNanos(n: bigint): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const s = a / 1_000_000_000n;
  const f = a % 1_000_000_000n;
  const frac = f === 0n ? '' : '.' + f.toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${s}${frac}s`;
}

function describe(n: YNode): string {
  if (n.k === 'map') return 'a mapping';
  if (n.k === 'seq') return 'a sequence';
  if (n.v === null) return 'null';
  if (typeof n.v === 'string') return `the string ${JSON.stringify(n.v.length > 40 ? n.v.slice(0, 40) + '…' : n.v)}`;
  return `the ${typeof n.v === 'bigint' ? 'number' : typeof n.v} ${String(n.v)}`;
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Checks documents of one file; collects problems. */
export class MessageChecker {
  /** Problems found, in order. */
  readonly problems: VerifyProblem[] = [];
  /** Where each normalised object came from. */
  readonly origins = new WeakMap<object, Origin>();

  constructor(
    private readonly api: EnvoyApi,
    private readonly file: string,
    private readonly yf: YFile,
  ) {}

  /** Records a problem at an offset of the file. */
  report(info: DiagnosticInfo, off: number, path: string, args: DiagnosticArgs = {}): void {
    const p = this.yf.pos(off);
    const where = `${this.file}:${p.line}:${p.column}: ${path || '(root)'}`;
    this.problems.push({ info, file: this.file, line: p.line, column: p.column, path, args: { ...args, where } });
  }

  /** Checks `node` as a message of type `typeName` (full name, no leading dot). */
  checkRoot(typeName: string, node: YNode): Norm | undefined {
    const t = this.api.message(typeName);
    if (!t) throw new Error(`meshc bug: Envoy API type ${typeName} not loaded`);
    const out = this.message(t, node, '', undefined);
    return out && typeof out === 'object' ? (out as Norm) : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Structure
  // ------------------------------------------------------------------------------------------

  private message(type: protobuf.Type, node: YNode, path: string, container: string | undefined): unknown {
    const full = type.fullName;
    const wrapped = WRAPPERS[full];
    if (wrapped) return this.scalar(wrapped, node, path);
    switch (full) {
      case '.google.protobuf.Duration':
        return this.duration(node, path);
      case '.google.protobuf.Timestamp':
        if (node.k === 'scalar' && typeof node.v === 'string' && !Number.isNaN(Date.parse(node.v)) && /^\d{4}-\d\d-\d\dT/.test(node.v)) return node.v;
        if (node.k === 'scalar' && node.v === null) return undefined;
        this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected an RFC 3339 timestamp string, got ${describe(node)}` });
        return undefined;
      case '.google.protobuf.FieldMask':
        if (node.k === 'scalar' && typeof node.v === 'string') return node.v;
        this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a field mask string, got ${describe(node)}` });
        return undefined;
      case '.google.protobuf.Struct':
        if (node.k === 'map') return this.jsonValue(node);
        if (node.k === 'scalar' && node.v === null) return undefined;
        this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a mapping (google.protobuf.Struct), got ${describe(node)}` });
        return undefined;
      case '.google.protobuf.ListValue':
        if (node.k === 'seq') return this.jsonValue(node);
        this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a sequence (google.protobuf.ListValue), got ${describe(node)}` });
        return undefined;
      case '.google.protobuf.Value':
        return this.jsonValue(node);
      case '.google.protobuf.Any':
        return this.any(node, path, container);
      default:
        break;
    }
    if (node.k === 'scalar' && node.v === null) return undefined;
    if (node.k !== 'map') {
      this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a mapping (${full.slice(1)}), got ${describe(node)}` });
      return undefined;
    }
    return this.fields(type, node, path, undefined);
  }

  /** Checks the entries of a mapping as the fields of `type`; `skipKey` is ignored (the `@type` of an Any). */
  private fields(type: protobuf.Type, node: YMap, path: string, skipKey: string | undefined): Norm {
    const full = type.fullName;
    const out: Norm = {};
    this.origins.set(out, { path, off: node.off });
    const seen = new Map<string, string>();
    const oneofSet = new Map<string, string>();
    const where = new Map<string, { path: string; off: number }>();
    const invalid = new Set<string>();
    for (const e of node.entries) {
      if (e.key === skipKey) continue;
      const fpath = path ? `${path}.${e.key}` : e.key;
      const f = this.lookupField(type, e.key);
      if (!f) {
        const names = type.fieldsArray.flatMap((x) => [x.name, jsonName(x.name)]);
        const near = closest(e.key, names);
        this.report(EnvoyCodes.UnknownField, e.keyOff, fpath, { field: e.key, type: full.slice(1) + (near ? ` (did you mean "${near}"?)` : '') });
        continue;
      }
      const first = seen.get(f.name);
      if (first !== undefined) {
        this.report(EnvoyCodes.DuplicateField, e.keyOff, fpath, { field: f.name, type: full.slice(1), first, second: e.key });
        continue;
      }
      seen.set(f.name, e.key);
      this.checkDeprecatedField(f, e.keyOff, fpath);
      const isNull = e.value.k === 'scalar' && e.value.v === null && f.type !== 'google.protobuf.Value' && f.type !== 'google.protobuf.NullValue';
      const oneof = f.partOf;
      if (oneof && !isNull) {
        const other = oneofSet.get(oneof.name);
        if (other !== undefined) {
          this.report(EnvoyCodes.OneofConflict, e.keyOff, fpath, { field: e.key, other, oneof: oneof.name, type: full.slice(1) });
        } else oneofSet.set(oneof.name, e.key);
      }
      const before = this.problems.length;
      const v = this.fieldValue(type, f, e.value, fpath);
      if (v !== undefined && !isNull) {
        out[f.name] = v;
        where.set(f.name, { path: fpath, off: e.value.off });
      } else if (!isNull && this.problems.length > before) {
        invalid.add(f.name);
      }
    }
    this.validateMessage(type, out, path, node.off, where, invalid);
    return out;
  }

  private lookupField(type: protobuf.Type, key: string): protobuf.Field | undefined {
    const direct = type.fields[key];
    if (direct) return direct;
    for (const f of type.fieldsArray) {
      const jn = (f.options?.json_name as string | undefined) ?? jsonName(f.name);
      if (jn === key) return f;
    }
    return undefined;
  }

  private checkDeprecatedField(f: protobuf.Field, off: number, path: string): void {
    const o = f.options ?? {};
    if (o.deprecated === true || o['(envoy.annotations.disallowed_by_default)'] === true) {
      const since = o['(envoy.annotations.deprecated_at_minor_version)'];
      this.report(EnvoyCodes.Deprecated, off, path, { what: `field "${f.name}" of ${f.parent?.fullName.slice(1) ?? '?'}`, since: since ? ` (since API ${String(since)})` : '' });
    }
  }

  private resolved(f: protobuf.Field, off: number, path: string): protobuf.Type | protobuf.Enum | null | undefined {
    try {
      f.resolve();
    } catch (err) {
      this.report(EnvoyCodes.WrongType, off, path, { detail: `the type of this field is not available in the shipped API (${(err as Error).message})` });
      return undefined;
    }
    return f.resolvedType;
  }

  private fieldValue(parent: protobuf.Type, f: protobuf.Field, node: YNode, path: string): unknown {
    const rt = this.resolved(f, node.off, path);
    if (rt === undefined) return undefined;
    const container = `${parent.fullName}.${f.name}`;
    if (f.map) {
      if (node.k === 'scalar' && node.v === null) return undefined;
      if (node.k !== 'map') {
        this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a mapping (map<${(f as unknown as protobuf.MapField).keyType}, ${f.type}>), got ${describe(node)}` });
        return undefined;
      }
      const out: Norm = {};
      this.origins.set(out, { path, off: node.off });
      const keyType = (f as unknown as protobuf.MapField).keyType;
      for (const e of node.entries) {
        const kpath = `${path}.${e.key}`;
        if (keyType !== 'string') {
          const ok = keyType === 'bool' ? /^(true|false)$/.test(e.key) : /^-?[0-9]+$/.test(e.key) && (!e.key.startsWith('-') || INT32.has(keyType) || INT64.has(keyType));
          if (!ok) this.report(EnvoyCodes.WrongType, e.keyOff, kpath, { detail: `map key "${e.key}" is not a ${keyType}` });
        }
        const v = this.single(rt, f.type, e.value, kpath, container);
        if (v !== undefined) out[e.key] = v;
      }
      return out;
    }
    if (f.repeated) {
      if (node.k === 'scalar' && node.v === null) return undefined;
      if (node.k !== 'seq') {
        this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a sequence (repeated ${f.type}), got ${describe(node)}` });
        return undefined;
      }
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        const v = this.single(rt, f.type, item, `${path}[${i}]`, container);
        out.push(v);
      });
      this.origins.set(out, { path, off: node.off });
      return out;
    }
    return this.single(rt, f.type, node, path, container);
  }

  private single(rt: protobuf.Type | protobuf.Enum | null, scalarType: string, node: YNode, path: string, container: string): unknown {
    if (rt instanceof protobuf.Type) return this.message(rt, node, path, container);
    if (rt instanceof protobuf.Enum) return this.enumValue(rt, node, path);
    return this.scalar(scalarType, node, path);
  }

  private enumValue(e: protobuf.Enum, node: YNode, path: string): number | undefined {
    if (e.fullName === '.google.protobuf.NullValue') {
      if (node.k === 'scalar' && node.v === null) return 0;
    }
    if (node.k === 'scalar' && typeof node.v === 'string') {
      const n = e.values[node.v];
      if (n === undefined) {
        const near = closest(node.v, Object.keys(e.values));
        this.report(EnvoyCodes.UnknownEnumValue, node.off, path, { value: node.v, type: e.fullName.slice(1) + (near ? ` (did you mean "${near}"?)` : '') });
        return undefined;
      }
      const vo = (e as unknown as { valuesOptions?: Record<string, Record<string, unknown>> }).valuesOptions?.[node.v];
      if (vo && (vo.deprecated === true || vo['(envoy.annotations.disallowed_by_default_enum)'] === true)) {
        const since = vo['(envoy.annotations.deprecated_at_minor_version_enum)'];
        this.report(EnvoyCodes.Deprecated, node.off, path, { what: `enum value ${node.v} of ${e.fullName.slice(1)}`, since: since ? ` (since API ${String(since)})` : '' });
      }
      return n;
    }
    if (node.k === 'scalar' && typeof node.v === 'number' && Number.isInteger(node.v) && node.v >= -(2 ** 31) && node.v < 2 ** 31) return node.v;
    if (node.k === 'scalar' && node.v === null) return undefined;
    this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a value name of ${e.fullName.slice(1)}, got ${describe(node)}` });
    return undefined;
  }

  /** Checks a scalar of protobuf type `t`; returns the value (bigint for 64-bit integers). */
  private scalar(t: string, node: YNode, path: string): unknown {
    if (node.k === 'scalar' && node.v === null) return undefined;
    const bad = (what: string) => {
      this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected ${what}, got ${describe(node)}` });
      return undefined;
    };
    if (node.k !== 'scalar') return bad(`a ${t}`);
    const v = node.v;
    if (t === 'string') return typeof v === 'string' ? v : bad('a string');
    if (t === 'bool') return typeof v === 'boolean' ? v : bad('a bool (true or false)');
    if (t === 'bytes') {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(v)) return bad('base64-encoded bytes');
      return v;
    }
    if (FLOAT.has(t)) {
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && (/^(NaN|-?Infinity)$/.test(v) || /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v))) return Number(v);
      return bad(`a ${t}`);
    }
    let big: bigint | undefined;
    if (typeof v === 'number' && Number.isInteger(v)) big = BigInt(v);
    else if (typeof v === 'bigint') big = v;
    else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) big = BigInt(v);
    if (big === undefined) return bad(`an integer (${t})`);
    const [lo, hi] = INT32.has(t)
      ? [-(2n ** 31n), 2n ** 31n - 1n]
      : UINT32.has(t)
        ? [0n, 2n ** 32n - 1n]
        : INT64.has(t)
          ? [-(2n ** 63n), 2n ** 63n - 1n]
          : UINT64.has(t)
            ? [0n, 2n ** 64n - 1n]
            : [0n, -1n];
    if (hi < lo) return bad(`a value of unknown type ${t}`);
    if (big < lo || big > hi) {
      this.report(EnvoyCodes.WrongType, node.off, path, { detail: `${String(big)} is out of the range of ${t}` });
      return undefined;
    }
    return INT64.has(t) || UINT64.has(t) ? big : Number(big);
  }

  private duration(node: YNode, path: string): string | undefined {
    if (node.k === 'scalar' && node.v === null) return undefined;
    if (node.k !== 'scalar' || typeof node.v !== 'string' || parseDuration(node.v) === undefined) {
      this.report(EnvoyCodes.BadDuration, node.off, path, { value: node.k === 'scalar' ? String(node.v) : node.k });
      return undefined;
    }
    return node.v;
  }

  private jsonValue(node: YNode): unknown {
    if (node.k === 'scalar') return typeof node.v === 'bigint' ? Number(node.v) : node.v;
    if (node.k === 'seq') return node.items.map((i) => this.jsonValue(i));
    const o: Norm = {};
    for (const e of node.entries) o[e.key] = this.jsonValue(e.value);
    return o;
  }

  private any(node: YNode, path: string, container: string | undefined): unknown {
    if (node.k === 'scalar' && node.v === null) return undefined;
    if (node.k !== 'map') {
      this.report(EnvoyCodes.WrongType, node.off, path, { detail: `expected a mapping with "@type" (google.protobuf.Any), got ${describe(node)}` });
      return undefined;
    }
    const te = node.entries.find((e) => e.key === '@type');
    if (!te) {
      this.report(EnvoyCodes.UnknownTypeUrl, node.off, path, { detail: 'a google.protobuf.Any without "@type"' });
      return undefined;
    }
    if (te.value.k !== 'scalar' || typeof te.value.v !== 'string') {
      this.report(EnvoyCodes.UnknownTypeUrl, te.value.off, `${path}.@type`, { detail: `"@type" must be a string, got ${describe(te.value)}` });
      return undefined;
    }
    const url = te.value.v;
    const tpath = `${path}.@type`;
    if (!url.startsWith(TYPE_PREFIX)) {
      this.report(EnvoyCodes.UnknownTypeUrl, te.value.off, tpath, { detail: `"${url}" does not start with "${TYPE_PREFIX}"` });
      return undefined;
    }
    const name = url.slice(TYPE_PREFIX.length);
    const type = this.api.message(name);
    if (!type) {
      this.report(EnvoyCodes.UnknownTypeUrl, te.value.off, tpath, { detail: `no message "${name}" in Envoy's API` });
      return undefined;
    }
    const full = type.fullName;
    const isTypedStruct = full === '.udpa.type.v1.TypedStruct' || full === '.xds.type.v3.TypedStruct';
    const cat = container && !isTypedStruct ? EXTENSION_CATEGORIES[container] : undefined;
    if (cat && !cat.prefixes.some((p) => name.startsWith(p))) {
      this.report(EnvoyCodes.ExtensionCategory, te.value.off, tpath, { type: name, category: cat.category });
    }
    let body: unknown;
    if (WRAPPERS[full] || ['.google.protobuf.Duration', '.google.protobuf.Timestamp', '.google.protobuf.FieldMask', '.google.protobuf.Struct', '.google.protobuf.Value', '.google.protobuf.ListValue', '.google.protobuf.Any'].includes(full)) {
      // Well-known types inside an Any sit under "value".
      for (const e of node.entries) {
        if (e.key !== '@type' && e.key !== 'value') this.report(EnvoyCodes.UnknownField, e.keyOff, `${path}.${e.key}`, { field: e.key, type: `google.protobuf.Any holding ${name}` });
      }
      const ve = node.entries.find((e) => e.key === 'value');
      body = ve ? this.message(type, ve.value, `${path}.value`, undefined) : undefined;
      const o: Norm = { '@type': url, value: body };
      this.origins.set(o, { path, off: node.off });
      return o;
    }
    const out = this.fields(type, node, path, '@type');
    if (isTypedStruct) this.typedStruct(node, path, out, container);
    const res: Norm = { '@type': url, ...out };
    this.origins.set(res, { path, off: node.off });
    return res;
  }

  /** A TypedStruct carries another message as a Struct: check it against its `type_url`. */
  private typedStruct(node: YMap, path: string, out: Norm, container: string | undefined): void {
    const url = out.type_url;
    if (typeof url !== 'string') return;
    const name = url.replace(/^.*\//, '');
    const urlNode = node.entries.find((e) => e.key === 'type_url' || e.key === 'typeUrl');
    const off = urlNode?.value.off ?? node.off;
    const type = this.api.message(name);
    if (!type) {
      this.report(EnvoyCodes.UnknownTypeUrl, off, `${path}.type_url`, { detail: `no message "${name}" in Envoy's API` });
      return;
    }
    const cat = container ? EXTENSION_CATEGORIES[container] : undefined;
    if (cat && !cat.prefixes.some((p) => name.startsWith(p))) this.report(EnvoyCodes.ExtensionCategory, off, `${path}.type_url`, { type: name, category: cat.category });
    const ve = node.entries.find((e) => e.key === 'value');
    if (ve) this.message(type, ve.value, `${path}.value`, undefined);
  }

  // ------------------------------------------------------------------------------------------
  // protoc-gen-validate
  // ------------------------------------------------------------------------------------------

  /** Applies the rules of `type` to a checked message. Fields in `invalid` were given but already reported: not checked again. */
  private validateMessage(type: protobuf.Type, out: Norm, path: string, off: number, where: Map<string, { path: string; off: number }>, invalid: Set<string>): void {
    const mo = (type as unknown as { parsedOptions?: unknown }).parsedOptions;
    const disabled = optionOf(mo, '(validate.disabled)') ?? optionOf(mo, '(validate.ignored)');
    if (disabled && isTrue(disabled.__value)) return;
    for (const o of type.oneofsArray) {
      const req = o.options?.['(validate.required)'];
      if (isTrue(req) && !o.oneof.some((n) => Object.prototype.hasOwnProperty.call(out, n) || invalid.has(n))) {
        this.report(EnvoyCodes.Required, off, path, { detail: `one of ${o.oneof.map((n) => `"${n}"`).join(', ')} is required in ${type.fullName.slice(1)} (oneof ${o.name})` });
      }
    }
    for (const f of type.fieldsArray) {
      const rules = fieldRules(f);
      if (!rules || invalid.has(f.name)) continue;
      const present = Object.prototype.hasOwnProperty.call(out, f.name);
      if (!present && f.partOf) continue;
      const w = where.get(f.name) ?? { path: path ? `${path}.${f.name}` : f.name, off };
      let rt: protobuf.Type | protobuf.Enum | null;
      try {
        f.resolve();
        rt = f.resolvedType;
      } catch {
        continue;
      }
      if (f.map) {
        const m = (present ? out[f.name] : {}) as Norm;
        this.mapRules(rules, f, rt, m, w);
      } else if (f.repeated) {
        const items = (present ? out[f.name] : []) as unknown[];
        this.repeatedRules(rules, f, rt, items, w);
      } else {
        this.valueRules(rules, f.type, rt, present ? out[f.name] : undefined, present, w);
      }
    }
  }

  private defaultOf(scalarType: string, rt: protobuf.Type | protobuf.Enum | null): unknown {
    if (rt instanceof protobuf.Enum) return 0;
    if (rt instanceof protobuf.Type) return undefined;
    if (scalarType === 'string' || scalarType === 'bytes') return '';
    if (scalarType === 'bool') return false;
    if (INT64.has(scalarType) || UINT64.has(scalarType)) return 0n;
    return 0;
  }

  private mapRules(rules: Rules, f: protobuf.Field, rt: protobuf.Type | protobuf.Enum | null, m: Norm, w: { path: string; off: number }): void {
    const r = rules.map as Rules | undefined;
    if (!r) return;
    const n = Object.keys(m).length;
    if (isTrue(r.ignore_empty) && n === 0) return;
    if (r.min_pairs !== undefined && n < Number(r.min_pairs)) this.report(EnvoyCodes.RepeatedRule, w.off, w.path, { detail: `at least ${r.min_pairs} entries required, got ${n}` });
    if (r.max_pairs !== undefined && n > Number(r.max_pairs)) this.report(EnvoyCodes.RepeatedRule, w.off, w.path, { detail: `at most ${r.max_pairs} entries allowed, got ${n}` });
    const keyType = (f as unknown as protobuf.MapField).keyType;
    for (const [k, v] of Object.entries(m)) {
      const kw = { path: `${w.path}.${k}`, off: this.origins.get(m)?.off ?? w.off };
      if (r.keys) this.valueRules(r.keys as Rules, keyType, null, keyType === 'string' ? k : keyType === 'bool' ? k === 'true' : INT64.has(keyType) || UINT64.has(keyType) ? BigInt(k) : Number(k), true, kw);
      if (r.values) this.valueRules(r.values as Rules, f.type, rt, v, v !== undefined, kw);
    }
  }

  private repeatedRules(rules: Rules, f: protobuf.Field, rt: protobuf.Type | protobuf.Enum | null, items: unknown[], w: { path: string; off: number }): void {
    const r = rules.repeated as Rules | undefined;
    if (!r) return;
    const n = items.length;
    if (isTrue(r.ignore_empty) && n === 0) return;
    if (r.min_items !== undefined && n < Number(r.min_items)) this.report(EnvoyCodes.RepeatedRule, w.off, w.path, { detail: `at least ${r.min_items} item(s) required, got ${n}` });
    if (r.max_items !== undefined && n > Number(r.max_items)) this.report(EnvoyCodes.RepeatedRule, w.off, w.path, { detail: `at most ${r.max_items} item(s) allowed, got ${n}` });
    if (isTrue(r.unique)) {
      const seen = new Set<string>();
      items.forEach((it, i) => {
        const key = typeof it === 'bigint' ? `n${it}` : JSON.stringify(it);
        if (seen.has(key)) this.report(EnvoyCodes.RepeatedRule, w.off, `${w.path}[${i}]`, { detail: `items must be unique: ${key} repeats` });
        seen.add(key);
      });
    }
    if (r.items) {
      items.forEach((it, i) => {
        const o = it && typeof it === 'object' ? this.origins.get(it) : undefined;
        this.valueRules(r.items as Rules, f.type, rt, it, it !== undefined, { path: `${w.path}[${i}]`, off: o?.off ?? w.off });
      });
    }
  }

  /** Applies the rules of one (non-repeated) value. `v` is the normalised value, or undefined when absent. */
  private valueRules(rules: Rules, scalarType: string, rt: protobuf.Type | protobuf.Enum | null, v: unknown, present: boolean, w: { path: string; off: number }): void {
    const msgRules = rules.message as Rules | undefined;
    if (rt instanceof protobuf.Type) {
      const full = rt.fullName;
      if (msgRules && isTrue(msgRules.required) && !present) {
        this.report(EnvoyCodes.Required, w.off, w.path, { detail: `required field "${w.path.replace(/^.*\./, '')}" (${full.slice(1)}) is not set` });
        return;
      }
      const wrapped = WRAPPERS[full];
      if (wrapped) {
        if (present) this.scalarRules(rules, wrapped, v, w);
        return;
      }
      if (full === '.google.protobuf.Duration') {
        this.durationRules(rules.duration as Rules | undefined, typeof v === 'string' ? parseDuration(v) : undefined, present, w);
        return;
      }
      if (full === '.google.protobuf.Timestamp') {
        if (rules.timestamp && isTrue((rules.timestamp as Rules).required) && !present) this.report(EnvoyCodes.Required, w.off, w.path, { detail: 'a timestamp is required' });
        return;
      }
      if (full === '.google.protobuf.Any') {
        const r = rules.any as Rules | undefined;
        if (!r) return;
        if (isTrue(r.required) && !present) {
          this.report(EnvoyCodes.Required, w.off, w.path, { detail: `required field "${w.path.replace(/^.*\./, '')}" (google.protobuf.Any) is not set` });
          return;
        }
        const url = present ? String((v as Norm)['@type'] ?? '') : '';
        if (present && list(r.in) !== undefined && !(list(r.in) as string[]).includes(url)) this.report(EnvoyCodes.OtherRule, w.off, w.path, { detail: `@type must be one of ${(list(r.in) as string[]).join(', ')}` });
        if (present && list(r.not_in) !== undefined && (list(r.not_in) as string[]).includes(url)) this.report(EnvoyCodes.OtherRule, w.off, w.path, { detail: `@type must not be ${url}` });
        return;
      }
      return;
    }
    if (rt instanceof protobuf.Enum) {
      const r = rules.enum as Rules | undefined;
      if (!r) return;
      const n = typeof v === 'number' ? v : 0;
      if (isTrue(r.defined_only) && !Object.values(rt.values).includes(n)) this.report(EnvoyCodes.EnumRule, w.off, w.path, { detail: `${n} is not a defined value of ${rt.fullName.slice(1)}` });
      if (r.const !== undefined && n !== Number(r.const)) this.report(EnvoyCodes.EnumRule, w.off, w.path, { detail: `must be ${String(r.const)}` });
      if (list(r.in) !== undefined && !(list(r.in) as unknown[]).map(Number).includes(n)) this.report(EnvoyCodes.EnumRule, w.off, w.path, { detail: `must be one of ${(list(r.in) as unknown[]).join(', ')}` });
      if (list(r.not_in) !== undefined && (list(r.not_in) as unknown[]).map(Number).includes(n)) this.report(EnvoyCodes.EnumRule, w.off, w.path, { detail: `must not be ${n}` });
      return;
    }
    this.scalarRules(rules, scalarType, present ? v : this.defaultOf(scalarType, rt), w);
  }

  private durationRules(r: Rules | undefined, nanos: bigint | undefined, present: boolean, w: { path: string; off: number }): void {
    if (!r) return;
    if (!present || nanos === undefined) {
      if (isTrue(r.required)) this.report(EnvoyCodes.Required, w.off, w.path, { detail: `required duration "${w.path.replace(/^.*\./, '')}" is not set` });
      return;
    }
    const bound = (k: string) => (r[k] !== undefined ? durationRuleNanos(r[k]) : undefined);
    const fail = (what: string) => this.report(EnvoyCodes.DurationRule, w.off, w.path, { detail: `${fmtNanos(nanos)} ${what}` });
    const c = bound('const');
    if (c !== undefined && nanos !== c) fail(`must be ${fmtNanos(c)}`);
    const msg = this.rangeFailure(nanos, bound('gt'), bound('gte'), bound('lt'), bound('lte'), (x) => fmtNanos(x as bigint));
    if (msg) fail(msg);
    if (list(r.in) !== undefined && !(list(r.in) as unknown[]).map(durationRuleNanos).includes(nanos)) fail('is not one of the allowed durations');
    if (list(r.not_in) !== undefined && (list(r.not_in) as unknown[]).map(durationRuleNanos).includes(nanos)) fail('is a forbidden duration');
  }

  /** PGV range semantics: lower/upper bounds; when the upper bound is below the lower one, the range is exclusive (outside). */
  private rangeFailure<T extends number | bigint>(v: T, gt?: T, gte?: T, lt?: T, lte?: T, fmt: (x: T) => string = String): string | undefined {
    const low = gt !== undefined ? { ok: v > gt, text: `> ${fmt(gt)}`, b: gt } : gte !== undefined ? { ok: v >= gte, text: `>= ${fmt(gte)}`, b: gte } : undefined;
    const high = lt !== undefined ? { ok: v < lt, text: `< ${fmt(lt)}`, b: lt } : lte !== undefined ? { ok: v <= lte, text: `<= ${fmt(lte)}`, b: lte } : undefined;
    if (low && high && high.b < low.b) {
      return low.ok || high.ok ? undefined : `must be ${high.text} or ${low.text}`;
    }
    if (low && !low.ok) return `must be ${low.text}`;
    if (high && !high.ok) return `must be ${high.text}`;
    return undefined;
  }

  private scalarRules(rules: Rules, t: string, v: unknown, w: { path: string; off: number }): void {
    if (t === 'string') return this.stringRules(rules.string as Rules | undefined, typeof v === 'string' ? v : '', w);
    if (t === 'bytes') {
      const r = rules.bytes as Rules | undefined;
      if (!r) return;
      const len = typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
      if (isTrue(r.ignore_empty) && len === 0) return;
      if (r.min_len !== undefined && len < Number(r.min_len)) this.report(EnvoyCodes.OtherRule, w.off, w.path, { detail: `at least ${r.min_len} bytes required` });
      if (r.max_len !== undefined && len > Number(r.max_len)) this.report(EnvoyCodes.OtherRule, w.off, w.path, { detail: `at most ${r.max_len} bytes allowed` });
      if (r.len !== undefined && len !== Number(r.len)) this.report(EnvoyCodes.OtherRule, w.off, w.path, { detail: `exactly ${r.len} bytes required` });
      return;
    }
    if (t === 'bool') {
      const r = rules.bool as Rules | undefined;
      if (r && r.const !== undefined && v !== isTrue(r.const)) this.report(EnvoyCodes.OtherRule, w.off, w.path, { detail: `must be ${String(r.const)}` });
      return;
    }
    const r = rules[t] as Rules | undefined;
    if (!r) return;
    const isInt = !FLOAT.has(t);
    const conv = (x: unknown): number | bigint => (isInt ? toBig(x) : Number(x));
    const val = isInt ? toBig(v ?? 0) : Number(v ?? 0);
    if (isTrue(r.ignore_empty) && (val === 0 || val === 0n)) return;
    const fail = (what: string) => this.report(EnvoyCodes.NumberRule, w.off, w.path, { detail: `${String(val)} ${what}` });
    if (r.const !== undefined && val !== conv(r.const)) fail(`must be ${String(r.const)}`);
    const b = (k: string) => (r[k] !== undefined ? conv(r[k]) : undefined);
    const msg = this.rangeFailure<number | bigint>(val, b('gt'), b('gte'), b('lt'), b('lte'));
    if (msg) fail(msg);
    if (list(r.in) !== undefined && !(list(r.in) as unknown[]).map(conv).includes(val)) fail(`is not one of ${(list(r.in) as unknown[]).join(', ')}`);
    if (list(r.not_in) !== undefined && (list(r.not_in) as unknown[]).map(conv).includes(val)) fail('is forbidden');
  }

  private stringRules(r: Rules | undefined, s: string, w: { path: string; off: number }): void {
    if (!r) return;
    if (isTrue(r.ignore_empty) && s === '') return;
    const fail = (what: string, info: DiagnosticInfo = EnvoyCodes.StringRule) =>
      this.report(info, w.off, w.path, { detail: `${JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s)} ${what}` });
    const chars = [...s].length;
    const bytes = Buffer.byteLength(s, 'utf8');
    if (r.const !== undefined && s !== String(r.const)) fail(`must be ${JSON.stringify(r.const)}`);
    if (r.len !== undefined && chars !== Number(r.len)) fail(`must be ${r.len} characters long`);
    if (r.min_len !== undefined && chars < Number(r.min_len)) fail(`must be at least ${r.min_len} character(s) long`);
    if (r.max_len !== undefined && chars > Number(r.max_len)) fail(`must be at most ${r.max_len} characters long`);
    if (r.len_bytes !== undefined && bytes !== Number(r.len_bytes)) fail(`must be ${r.len_bytes} bytes long`);
    if (r.min_bytes !== undefined && bytes < Number(r.min_bytes)) fail(`must be at least ${r.min_bytes} byte(s) long`);
    if (r.max_bytes !== undefined && bytes > Number(r.max_bytes)) fail(`must be at most ${r.max_bytes} bytes long`);
    if (r.prefix !== undefined && !s.startsWith(String(r.prefix))) fail(`must start with ${JSON.stringify(r.prefix)}`);
    if (r.suffix !== undefined && !s.endsWith(String(r.suffix))) fail(`must end with ${JSON.stringify(r.suffix)}`);
    if (r.contains !== undefined && !s.includes(String(r.contains))) fail(`must contain ${JSON.stringify(r.contains)}`);
    if (r.not_contains !== undefined && s.includes(String(r.not_contains))) fail(`must not contain ${JSON.stringify(r.not_contains)}`);
    if (list(r.in) !== undefined && !(list(r.in) as unknown[]).map(String).includes(s)) fail(`must be one of ${(list(r.in) as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`);
    if (list(r.not_in) !== undefined && (list(r.not_in) as unknown[]).map(String).includes(s)) fail('is forbidden');
    if (r.pattern !== undefined) {
      const re = re2ToJs(String(r.pattern));
      if (re && !re.test(s)) fail(`must match /${String(r.pattern)}/`);
    }
    if (r.well_known_regex !== undefined) {
      const strict = r.strict === undefined ? true : isTrue(r.strict);
      const kind = String(r.well_known_regex);
      if (kind === 'HTTP_HEADER_NAME' || kind === '1') {
        if (!(strict ? HEADER_NAME_STRICT : HEADER_LOOSE).test(s)) fail(`is not a valid HTTP header name${strict ? '' : ' (no NUL, CR or LF)'}`, EnvoyCodes.HeaderRule);
      } else if (kind === 'HTTP_HEADER_VALUE' || kind === '2') {
        if (!(strict ? HEADER_VALUE_STRICT : HEADER_LOOSE).test(s)) fail(`is not a valid HTTP header value${strict ? ' (no control characters)' : ' (no NUL, CR or LF)'}`, EnvoyCodes.HeaderRule);
      }
    }
    if (isTrue(r.ip) && isIP(s) === 0) fail('must be an IP address');
    if (isTrue(r.ipv4) && isIP(s) !== 4) fail('must be an IPv4 address');
    if (isTrue(r.ipv6) && isIP(s) !== 6) fail('must be an IPv6 address');
    if (isTrue(r.hostname) && !HOSTNAME.test(s)) fail('must be a hostname');
    if (isTrue(r.address) && isIP(s) === 0 && !HOSTNAME.test(s)) fail('must be an IP address or a hostname');
    if (isTrue(r.uri) && !URL.canParse(s)) fail('must be an absolute URI');
  }
}

const reCache = new Map<string, RegExp | null>();
/** An RE2 pattern as a JS RegExp (RE2's syntax is nearly a subset); null when it has no JS equivalent. */
function re2ToJs(p: string): RegExp | null {
  let re = reCache.get(p);
  if (re === undefined) {
    try {
      let flags = 'u';
      let src = p;
      const m = /^\(\?([ims]+)\)/.exec(src);
      if (m) {
        flags += m[1]!.replace(/[^ims]/g, '');
        src = src.slice(m[0].length);
      }
      re = new RegExp(src, flags);
    } catch {
      re = null;
    }
    reCache.set(p, re);
  }
  return re;
}
