/**
 * What every family of checks shares: the resources by kind and name, and `report`.
 * @module
 */
import { DiagnosticBag, type ReportExtras } from '../diagnostics/bag.js';
import type { DiagnosticArgs, DiagnosticInfo, Span } from '../diagnostics/types.js';
import type { LocatedResource, ValuePath } from '../dsl/source.js';
import type {
  FilterResource,
  GatewayResource,
  MeshResource,
  RouteResource,
  ServicePort,
  ServiceResource,
} from '../dsl/types.js';
import { closest } from '../util/strings.js';

/** Resources grouped by kind; the first declaration of each name wins. */
export class CheckContext {
  readonly bag = new DiagnosticBag();
  mesh: LocatedResource<MeshResource> | undefined;
  readonly services = new Map<string, LocatedResource<ServiceResource>>();
  readonly routes = new Map<string, LocatedResource<RouteResource>>();
  readonly filters = new Map<string, LocatedResource<FilterResource>>();
  readonly gateways = new Map<string, LocatedResource<GatewayResource>>();
  readonly jwks = new Map<string, string>();
  /**
   * Names (`Kind/name`) of documents that exist but failed to load or validate; `'*'` when a whole
   * file failed to parse. References to them are not reported again (no cascades).
   */
  readonly invalid = new Set<string>();

  /** Whether an unknown reference to `kind`/`name` should be reported (not a cascade). */
  reportable(kind: 'Service' | 'Gateway' | 'Route' | 'Filter', name: string): boolean {
    return !this.invalid.has('*') && !this.invalid.has(`${kind}/${name}`);
  }

  /** Reports `info` at the value (or key) at `path` in a resource. */
  report(
    info: DiagnosticInfo,
    at: LocatedResource,
    path: ValuePath,
    args: DiagnosticArgs = {},
    extras: ReportExtras & { which?: 'key' | 'value' } = {},
  ): void {
    this.bag.report(info, at.doc.span(path, extras.which), args, extras);
  }

  /** The span of a value in a resource. */
  span(at: LocatedResource, path: ValuePath, which: 'key' | 'value' = 'value'): Span {
    return at.doc.span(path, which);
  }

  /** A "did you mean" prefix for a hint. */
  suggest(name: string, candidates: Iterable<string>): string {
    const c = closest(name, candidates);
    return c === undefined ? '' : `did you mean "${c}"? `;
  }

  /** The port of a service by name, or its only port when `name` is undefined. */
  port(svc: ServiceResource, name: string | undefined): ServicePort | undefined {
    if (name === undefined) return svc.spec.ports.length === 1 ? svc.spec.ports[0] : undefined;
    return svc.spec.ports.find((p) => p.name === name);
  }
}

/** Whether a port protocol carries HTTP. */
export function isHttpProtocol(p: string | undefined): boolean {
  return p === undefined || p === 'http' || p === 'http2' || p === 'grpc';
}
