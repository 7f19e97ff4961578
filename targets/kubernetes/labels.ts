/**
 * Labels and derived names: the contract between the objects of the Kubernetes target (selectors,
 * NetworkPolicy peers, headless Services) and with users' own tooling.
 * @module
 */
import type { GatewayIR, MeshIR, ServiceIR, VersionIR } from '../../src/ir/types.js';
import { sortStrings } from '../../src/util/strings.js';

/** The name of the service or gateway a pod runs. */
export const LABEL_NAME = 'app.kubernetes.io/name';
/** `service` or `gateway`. */
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
/** The mesh's name. */
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
/** Always `meshc`. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** Labels on every object: `managed-by: meshc`, `part-of: <mesh>`. */
export function commonLabels(ir: MeshIR): Record<string, string> {
  return { [LABEL_MANAGED_BY]: 'meshc', [LABEL_PART_OF]: ir.mesh.name };
}

/** The labels that select every pod of a service (all versions). */
export function serviceSelector(s: ServiceIR | { name: string }): Record<string, string> {
  return { [LABEL_COMPONENT]: 'service', [LABEL_NAME]: s.name };
}

/** The labels that select the pods of one version: its labels (with `version`) and the service's. */
export function versionSelector(s: ServiceIR, v: VersionIR): Record<string, string> {
  return merged([v.labels, serviceSelector(s)]);
}

/** The labels that select a gateway's pods. */
export function gatewaySelector(g: GatewayIR | { name: string }): Record<string, string> {
  return { [LABEL_COMPONENT]: 'gateway', [LABEL_NAME]: g.name };
}

/** Labels of an object: the user's metadata labels, then meshc's (which win). */
export function objectLabels(ir: MeshIR, user: Record<string, string>, selector: Record<string, string>): Record<string, string> {
  return merged([user, commonLabels(ir), selector]);
}

/**
 * Label sets merged (a later one wins a key), with their keys inserted in sorted order (code
 * units), as every manifest writes them: the writer then need not sort them again for each object
 * that carries them.
 */
function merged(sets: Record<string, string>[]): Record<string, string> {
  // (Label sets are short: a list is cheaper than a Set, and an insertion sort than Array.prototype.sort.)
  const keys: string[] = [];
  for (const set of sets) for (const k of Object.keys(set)) if (!keys.includes(k)) keys.push(k);
  sortStrings(keys); // UTF-16 code units, as compareStrings
  const out: Record<string, string> = {};
  for (const k of keys) {
    for (let i = sets.length - 1; i >= 0; i--) {
      const v = sets[i]![k];
      if (v !== undefined && Object.prototype.hasOwnProperty.call(sets[i], k)) {
        out[k] = v;
        break;
      }
    }
  }
  return out;
}

/** The Secret holding a workload's mesh certificate (filled by cert-manager or SPIRE). */
export function meshTlsSecret(serviceAccount: string): string {
  return `${serviceAccount}-mesh-tls`;
}

/** The Deployment (and PodDisruptionBudget) name of a service version, or of the service. */
export function deploymentName(s: ServiceIR, v?: VersionIR): string {
  return v ? `${s.name}-${v.name}` : s.name;
}

/** The base name of a gateway's objects: its ServiceAccount name, `gateway-<name>`. */
export function gatewayObjectName(g: GatewayIR): string {
  return g.serviceAccount;
}

/** The logical name of a sidecar ConfigMap (its object name adds `-<hash>`). */
export function sidecarConfigName(s: ServiceIR): string {
  return `${s.name}-sidecar`;
}

/** The namespace-wide default-deny NetworkPolicy. */
export const DEFAULT_DENY = 'default-deny';
