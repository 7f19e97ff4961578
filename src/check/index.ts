/**
 * The checker: what makes the language typed. Groups resources, checks names, resolves every
 * reference and reports all problems in one run. One file per family of checks.
 * @module
 */
import type { Diagnostic } from '../diagnostics/types.js';
import type { LoadResult } from '../dsl/load.js';
import type { LocatedResource, ValuePath } from '../dsl/source.js';
import type { Resource } from '../dsl/types.js';
import { CheckCodes } from './codes.js';
import { CheckContext } from './context.js';
import { checkFilters } from './filters.js';
import { checkGateways } from './gateways.js';
import type { CheckedMesh } from './model.js';
import { checkPolicy } from './policy.js';
import { checkRoutes } from './routes.js';
import { checkServices } from './services.js';
import { MAX_DURATION_MS, parseDuration } from './values.js';

export type { CheckedMesh } from './model.js';

/** Checks resources; returns the checked mesh when it has no errors. */
export function checkMesh(
  resources: readonly LocatedResource[],
  load?: LoadResult,
): { mesh?: CheckedMesh; diagnostics: Diagnostic[] } {
  const ctx = new CheckContext();
  noteInvalid(ctx, resources, load);
  group(ctx, resources);
  if (!ctx.mesh && !ctx.invalid.has('*') && ![...ctx.invalid].some((k) => k.startsWith('Mesh/'))) ctx.bag.report(CheckCodes.NoMesh, undefined);
  for (const lr of resources) checkDurations(ctx, lr, lr.resource.spec, ['spec']);
  checkDerivedNames(ctx);
  checkServices(ctx);
  checkRoutes(ctx);
  checkFilters(ctx);
  checkGateways(ctx);
  if (!ctx.bag.hasErrors && ctx.invalid.size === 0) checkPolicy(ctx);
  const diagnostics = ctx.bag.items;
  if (ctx.bag.hasErrors || !ctx.mesh) return { diagnostics };
  return {
    diagnostics,
    mesh: {
      mesh: ctx.mesh,
      services: ctx.services,
      routes: ctx.routes,
      filters: ctx.filters,
      gateways: ctx.gateways,
      jwks: ctx.jwks,
    },
  };
}

/**
 * Records what failed before the checker (so that references to it are not reported again): the
 * `Kind/name` of every loaded document that did not validate, and `'*'` when a file failed to load
 * or parse (its resources are unknown).
 */
function noteInvalid(ctx: CheckContext, resources: readonly LocatedResource[], load: LoadResult | undefined): void {
  if (!load) return;
  if (load.diagnostics.some((d) => d.severity === 'error')) ctx.invalid.add('*');
  const valid = new Set(resources.map((r) => r.doc));
  for (const doc of load.documents) {
    if (valid.has(doc)) continue;
    const v = doc.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
    if (v && typeof v.kind === 'string' && typeof v.metadata?.name === 'string') ctx.invalid.add(`${v.kind}/${v.metadata.name}`);
    else ctx.invalid.add('*');
  }
}

function group(ctx: CheckContext, resources: readonly LocatedResource[]): void {
  for (const lr of resources) {
    const r = lr.resource as Resource;
    const name = r.metadata.name;
    if (r.kind === 'Mesh') {
      if (ctx.mesh) {
        ctx.report(CheckCodes.MultipleMesh, lr, ['kind'], { name }, {
          related: [{ span: ctx.span(ctx.mesh, ['kind']), message: 'first Mesh here' }],
        });
      } else ctx.mesh = lr as LocatedResource<typeof r>;
      continue;
    }
    const map = (
      r.kind === 'Service' ? ctx.services : r.kind === 'Route' ? ctx.routes : r.kind === 'Filter' ? ctx.filters : ctx.gateways
    ) as Map<string, LocatedResource>;
    const first = map.get(name);
    if (first) {
      ctx.report(CheckCodes.DuplicateName, lr, ['metadata', 'name'], { kind: r.kind, name }, {
        related: [{ span: ctx.span(first, ['metadata', 'name']), message: 'first declared here' }],
      });
    } else map.set(name, lr);
  }
}

/** Duration fields that must be positive (`duration` is a fault delay's); all others may be 0. */
const POSITIVE = new Set(['connectTimeout', 'perTryTimeout', 'interval', 'baseEjectionTime', 'per', 'ttl', 'duration']);
const DURATION_KEYS = new Set([...POSITIVE, 'timeout', 'maxAge']);

/** Range checks of every duration (the schema checked their syntax). */
function checkDurations(ctx: CheckContext, lr: LocatedResource, v: unknown, path: ValuePath): void {
  // Iterative walk: specs are small, but keep it free of recursion limits anyway. It visits every
  // value of every resource, so it allocates nothing per value: each collection's entry keeps the
  // index of its parent's entry and its key, and a path is built only for a report. Entries are only
  // appended during a walk, so a popped entry stays readable as an ancestor.
  const { values, parents, keys, stack } = DURATION_WALK;
  let n = 0;
  let top = 0;
  const add = (value: unknown, parent: number, key: string | number) => {
    values[n] = value;
    parents[n] = parent;
    keys[n] = key;
    stack[top++] = n++;
  };
  const pathOf = (entry: number, last: string): ValuePath => {
    const rev: (string | number)[] = [last];
    for (let e = entry; e > 0; e = parents[e]!) rev.push(keys[e]!);
    return [...path, ...rev.reverse()];
  };
  add(v, -1, '');
  while (top > 0) {
    const entry = stack[--top]!;
    const cur = values[entry];
    if (Array.isArray(cur)) {
      for (let i = 0; i < cur.length; i++) {
        const child: unknown = cur[i];
        if (typeof child === 'object' && child !== null) add(child, entry, i);
      }
      continue;
    }
    const obj = cur as Record<string, unknown>;
    for (const k in obj) {
      const child = obj[k];
      if (typeof child === 'string') {
        if (!DURATION_KEYS.has(k)) continue;
        const ms = parseDuration(child);
        if (Number.isNaN(ms)) continue;
        if (ms > MAX_DURATION_MS) ctx.report(CheckCodes.DurationRange, lr, pathOf(entry, k), { field: k, bound: 'at most 30 days (720h)' });
        else if (POSITIVE.has(k) && ms <= 0) ctx.report(CheckCodes.DurationRange, lr, pathOf(entry, k), { field: k, bound: 'greater than 0' });
      } else if (typeof child === 'object' && child !== null) {
        add(child, entry, k);
      }
    }
  }
  values.fill(undefined, 0, n); // (do not keep this resource's values alive)
}

/** The walk's arrays, reused across resources: entries are (value, parent entry, key). */
const DURATION_WALK = { values: [] as unknown[], parents: [] as number[], keys: [] as (string | number)[], stack: [] as number[] };

/** Names meshc derives for Kubernetes objects must stay DNS labels and must not collide. */
function checkDerivedNames(ctx: CheckContext): void {
  const owners = new Map<string, string>();
  for (const n of ctx.services.keys()) owners.set(n, `service "${n}"`);
  const derive = (derived: string, what: string, lr: LocatedResource, path: ValuePath, whatName: string) => {
    if (derived.length > 63) {
      ctx.report(CheckCodes.DerivedName, lr, path, { derived, what: whatName }, { which: 'key' });
      return;
    }
    const other = owners.get(derived);
    if (other) ctx.report(CheckCodes.DerivedNameCollision, lr, path, { derived, what, other }, { which: 'key' });
    else owners.set(derived, what);
  };
  for (const lr of ctx.services.values()) {
    const n = lr.resource.metadata.name;
    derive(`${n}-headless`, `the headless Service of "${n}"`, lr, ['metadata', 'name'], 'service');
    for (const v of Object.keys(lr.resource.spec.versions ?? {})) {
      derive(`${n}-${v}-headless`, `the headless Service of ${n} ${v}`, lr, ['spec', 'versions', v], 'version');
    }
  }
  for (const lr of ctx.gateways.values()) {
    const n = lr.resource.metadata.name;
    derive(`gateway-${n}`, `the ServiceAccount of gateway "${n}"`, lr, ['metadata', 'name'], 'gateway');
  }
}
