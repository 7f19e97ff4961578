/**
 * The Kubernetes target: everything a cluster needs to run the mesh, as one manifest per object
 * under `kubernetes/` plus `kubernetes/kustomization.yaml`, ready for Argo CD or Flux. Sidecar and
 * gateway configs come from the Envoy and HAProxy targets.
 * @module
 */
import envoy from '../envoy/index.js';
import haproxy from '../haproxy/index.js';
import { createKubernetesTarget } from './target.js';

export default createKubernetesTarget({ envoy, haproxy });
