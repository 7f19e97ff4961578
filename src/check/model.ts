/**
 * The checked mesh: resources grouped by kind and indexed by name, every reference known to
 * resolve. The input of the lowering.
 * @module
 */
import type { LocatedResource } from '../dsl/source.js';
import type { FilterResource, GatewayResource, MeshResource, RouteResource, ServiceResource } from '../dsl/types.js';

/** A mesh that passed the checker. */
export interface CheckedMesh {
  /** The Mesh resource. */
  mesh: LocatedResource<MeshResource>;
  /** Services by name. */
  services: Map<string, LocatedResource<ServiceResource>>;
  /** Routes by name. */
  routes: Map<string, LocatedResource<RouteResource>>;
  /** Filters by name. */
  filters: Map<string, LocatedResource<FilterResource>>;
  /** Gateways by name. */
  gateways: Map<string, LocatedResource<GatewayResource>>;
  /** JWKS text per jwt Filter name, read at load time. */
  jwks: Map<string, string>;
}
