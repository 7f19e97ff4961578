/**
 * The Kubernetes target: everything a cluster needs to run the mesh, as one manifest per object
 * under `kubernetes/` plus `kubernetes/kustomization.yaml`, ready for Argo CD or Flux.
 * @module
 */
import { createKubernetesTarget } from './target.js';

export default createKubernetesTarget({});
