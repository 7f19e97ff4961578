/**
 * The Kubernetes target, parameterised by the proxy targets it takes sidecar and gateway configs
 * from (the real Envoy and HAProxy targets in `index.ts`, fakes in tests).
 * @module
 */
import type { Target } from '../../src/target/types.js';
import { KubernetesCodes } from './codes.js';
import { emitKubernetes, kubernetesUnits, reusesProxyOutput } from './emit.js';
import type { ProxyTargets } from './proxy.js';

/** Builds the Kubernetes target over the given proxy targets. */
export function createKubernetesTarget(proxies: ProxyTargets): Target {
  return {
    name: 'kubernetes',
    description: 'manifests for a GitOps repository: Deployments with their sidecars, Services, NetworkPolicies, gateways, kustomization.yaml (kubernetes/)',
    capabilities: [
      'Namespace with Pod Security "restricted" enforced',
      'ServiceAccount per service and gateway (SPIFFE identity)',
      'Deployment per version with app container and sidecar',
      'content-hashed immutable ConfigMaps for proxy configs (minimal rollouts)',
      'mesh certificates from a Secret per workload',
      'readiness and liveness probes from healthCheck',
      'resources, env, command, args',
      'Service and headless Services (per service and version)',
      'NetworkPolicy per service and gateway from allow/deny Filters (L4 part), default deny',
      'PodDisruptionBudget when replicas > 1',
      'gateway Deployment, Service type LoadBalancer, listener TLS from secretName',
      'kustomization.yaml',
    ],
    embeds: (ir) =>
      (['envoy', 'haproxy'] as const).flatMap((kind) => {
        const t = proxies[kind];
        return t && reusesProxyOutput(ir, kind) ? [t.name] : [];
      }),
    codes: Object.values(KubernetesCodes),
    emit: (ir, ctx) => emitKubernetes(ir, ctx, proxies),
    units: (ir, ctx) => kubernetesUnits(ir, ctx, proxies),
    // Loaded on demand: the kubernetes-models schemas and the YAML parser are for --verify only.
    verify: async (files) => (await import('./verify.js')).verifyKubernetes(files),
  };
}
