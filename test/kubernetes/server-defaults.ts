/**
 * The API server's defaulting (SetDefaults_* of k8s.io/kubernetes/pkg/apis/…/v1) for the fields of
 * the kinds the Kubernetes target emits, applied to a parsed manifest: what `kubectl get -o yaml`
 * would show after applying it, apart from fields the server allocates (clusterIP, nodePort…) and
 * status. A manifest that this leaves unchanged is "fully defaulted": no drift in Argo CD or Flux.
 */
type Obj = Record<string, any>;

function set(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined) o[key] = value;
}

function container(c: Obj): void {
  set(c, 'terminationMessagePath', '/dev/termination-log');
  set(c, 'terminationMessagePolicy', 'File');
  if (c.imagePullPolicy === undefined) {
    const image = String(c.image);
    const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
    c.imagePullPolicy = image.includes('@') || tagged ? 'IfNotPresent' : 'Always';
  }
  set(c, 'resources', {});
  for (const p of c.ports ?? []) set(p, 'protocol', 'TCP');
  for (const k of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const pr = c[k];
    if (!pr) continue;
    set(pr, 'timeoutSeconds', 1);
    set(pr, 'periodSeconds', 10);
    set(pr, 'successThreshold', 1);
    set(pr, 'failureThreshold', 3);
    if (pr.httpGet) set(pr.httpGet, 'scheme', 'HTTP');
  }
}

function podSpec(s: Obj): void {
  set(s, 'dnsPolicy', 'ClusterFirst');
  set(s, 'restartPolicy', 'Always');
  set(s, 'schedulerName', 'default-scheduler');
  set(s, 'securityContext', {});
  set(s, 'terminationGracePeriodSeconds', 30);
  set(s, 'enableServiceLinks', true);
  for (const c of [...(s.initContainers ?? []), ...(s.containers ?? [])]) container(c);
  for (const v of s.volumes ?? []) {
    if (v.secret) set(v.secret, 'defaultMode', 420);
    if (v.configMap) set(v.configMap, 'defaultMode', 420);
  }
}

/** Applies the server's defaults to a manifest in place and returns it. */
export function applyServerDefaults(o: Obj): Obj {
  const spec = o.spec as Obj | undefined;
  switch (o.kind) {
    case 'Namespace':
      o.metadata.labels = { ...(o.metadata.labels ?? {}) };
      set(o.metadata.labels, 'kubernetes.io/metadata.name', o.metadata.name);
      set(o, 'spec', {});
      set(o.spec, 'finalizers', ['kubernetes']);
      break;
    case 'Deployment':
      set(spec!, 'replicas', 1);
      set(spec!, 'progressDeadlineSeconds', 600);
      set(spec!, 'revisionHistoryLimit', 10);
      set(spec!, 'strategy', {});
      set(spec!.strategy, 'type', 'RollingUpdate');
      if (spec!.strategy.type === 'RollingUpdate') {
        set(spec!.strategy, 'rollingUpdate', {});
        set(spec!.strategy.rollingUpdate, 'maxSurge', '25%');
        set(spec!.strategy.rollingUpdate, 'maxUnavailable', '25%');
      }
      podSpec(spec!.template.spec);
      break;
    case 'Service':
      set(spec!, 'type', 'ClusterIP');
      set(spec!, 'sessionAffinity', 'None');
      set(spec!, 'internalTrafficPolicy', 'Cluster');
      set(spec!, 'ipFamilyPolicy', 'SingleStack');
      if (spec!.clusterIP === 'None') set(spec!, 'clusterIPs', ['None']);
      if (spec!.type === 'LoadBalancer') {
        set(spec!, 'externalTrafficPolicy', 'Cluster');
        set(spec!, 'allocateLoadBalancerNodePorts', true);
      }
      for (const p of spec!.ports ?? []) {
        set(p, 'protocol', 'TCP');
        set(p, 'targetPort', p.port);
      }
      break;
    case 'NetworkPolicy':
      set(spec!, 'policyTypes', spec!.egress ? ['Ingress', 'Egress'] : ['Ingress']);
      for (const r of spec!.ingress ?? []) for (const p of r.ports ?? []) set(p, 'protocol', 'TCP');
      break;
    default:
      break;
  }
  return o;
}
