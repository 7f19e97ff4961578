/**
 * The Kubernetes emitter: the IR (plus the sidecar and gateway configs of the proxy targets) →
 * one manifest per object under `kubernetes/`, and `kubernetes/kustomization.yaml`.
 *
 * Every object is built with its kubernetes-models class, carries the fields the API server would
 * default (so a GitOps engine sees no drift after apply), and is written with sorted keys.
 * @module
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IIoK8sApiCoreV1Container as Container } from 'kubernetes-models/v1/Container';
import type { IIoK8sApiCoreV1PodSpec as PodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IIoK8sApiCoreV1Probe as Probe } from 'kubernetes-models/v1/Probe';
import type { IIoK8sApiCoreV1Volume as Volume } from 'kubernetes-models/v1/Volume';
import type { IIoK8sApiCoreV1VolumeMount as VolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { IIoK8sApiCoreV1ServicePort as ServicePort } from 'kubernetes-models/v1/ServicePort';
import type { IIoK8sApiCoreV1KeyToPath as KeyToPath } from 'kubernetes-models/v1/KeyToPath';
import type { GatewayIR, HealthCheckIR, MeshIR, PortIR, ServiceIR, Span, VersionIR } from '../../src/ir/types.js';
import type { EmitContext, OutputFile } from '../../src/target/types.js';
import { KubernetesCodes } from './codes.js';
import {
  DEFAULT_DENY,
  commonLabels,
  deploymentName,
  gatewayObjectName,
  gatewaySelector,
  meshTlsSecret,
  objectLabels,
  serviceSelector,
  sidecarConfigName,
  versionSelector,
} from './labels.js';
import { ingressRules, wantsDefaultDeny } from './policy.js';
import { layoutOf, type ProxyFile, type ProxyLayout, type ProxyOwner, type ProxyTargets } from './proxy.js';
import {
  canonicalJson,
  canonicalQuantity,
  compareStrings,
  defaultPullPolicy,
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  hashHex,
  probeSeconds,
  toYaml,
} from './util.js';

/** The folder of every emitted file. */
export const OUT_DIR = 'kubernetes';

/** The largest object `kubectl apply` can record in its last-applied annotation. */
export const MAX_OBJECT_BYTES = 256 * 1024;

/** Resources of the proxy container (not in the language yet): small, memory-capped. */
export const PROXY_RESOURCES = { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } } as const;

/** The order kinds are listed in kustomization.yaml: policy before the pods it protects. */
export const KIND_ORDER = ['Namespace', 'NetworkPolicy', 'ServiceAccount', 'ConfigMap', 'Service', 'Deployment', 'PodDisruptionBudget'] as const;

/** An object about to be written. */
interface Manifest {
  kind: (typeof KIND_ORDER)[number];
  name: string;
  /** File name (without folder): `<kind>-<logical name>.yaml`, or `<kind>.yaml` for the one Namespace. */
  file: string;
  /** The object, as a kubernetes-models instance. */
  object: { toJSON(): unknown };
  /** What it was derived from, for diagnostics: `service "catalog"`. */
  owner: string;
  span: Span | undefined;
}

/** Validation and defaulting of `validate()` happen in tests and `verify`; here we only build. */
class Builder {
  readonly manifests: Manifest[] = [];
  private readonly proxyOutput = new Map<'envoy' | 'haproxy', ((owner: ProxyOwner) => ProxyFile[] | undefined) | undefined>();

  constructor(
    readonly ir: MeshIR,
    readonly ctx: EmitContext,
    readonly proxies: ProxyTargets,
  ) {}

  add(m: Omit<Manifest, 'file'> & { logical?: string }): void {
    const { logical, ...rest } = m;
    const base = logical ?? m.name;
    this.manifests.push({ ...rest, file: base === '' ? `${m.kind.toLowerCase()}.yaml` : `${m.kind.toLowerCase()}-${base}.yaml` });
  }

  meta(name: string, labels: Record<string, string>, annotations?: Record<string, string>) {
    const md: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> } = {
      name,
      namespace: this.ir.mesh.namespace,
      labels,
    };
    if (annotations && Object.keys(annotations).length > 0) md.annotations = annotations;
    return md;
  }

  /**
   * The IR narrowed to what this target deploys with one proxy kind: the services with a workload
   * and a sidecar (when the mesh's sidecars are that proxy) and the gateways on it. The proxy
   * target then reports only what cannot be expressed in configs that are actually deployed (a
   * mirror HAProxy cannot do is no error when the sidecars are Envoys and HAProxy runs a gateway).
   */
  deployedWith(kind: 'envoy' | 'haproxy'): MeshIR {
    return {
      ...this.ir,
      services: this.ir.mesh.sidecar.proxy === kind ? this.ir.services.filter((s) => s.workload && s.sidecar) : [],
      gateways: this.ir.gateways.filter((g) => g.proxy === kind),
    };
  }

  /** The files a proxy target emitted for `owner`; reports when there are none. */
  proxyFiles(layout: ProxyLayout, owner: ProxyOwner, span: Span): ProxyFile[] | undefined {
    if (!this.proxyOutput.has(layout.kind)) {
      const t = this.proxies[layout.kind];
      this.proxyOutput.set(layout.kind, t ? layout.index(t.emit(this.deployedWith(layout.kind), this.ctx.forTarget?.(t.name) ?? this.ctx)) : undefined);
    }
    const out = this.proxyOutput.get(layout.kind);
    const files = out ? out(owner) : undefined;
    if (!files) {
      this.ctx.report(KubernetesCodes.MissingProxyConfig, span, {
        proxy: layout.kind,
        owner: `${owner.kind} "${owner.name}"`,
        detail: out ? '' : `: the ${layout.kind} target is not available`,
      });
    }
    return files;
  }
}

/** Emits the whole tree. */
export function emitKubernetes(ir: MeshIR, ctx: EmitContext, proxies: ProxyTargets): OutputFile[] {
  const b = new Builder(ir, ctx, proxies);
  emitNamespace(b);
  if (wantsDefaultDeny(ir)) {
    b.add({
      kind: 'NetworkPolicy',
      name: DEFAULT_DENY,
      owner: `the mesh's defaultAction: deny`,
      span: ir.mesh.span,
      object: new NetworkPolicy({
        metadata: b.meta(DEFAULT_DENY, commonLabels(ir)),
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      }),
    });
  }
  for (const s of ir.services) emitService(b, s);
  for (const g of ir.gateways) emitGateway(b, g);
  checkNames(b);
  return write(b);
}

function emitNamespace(b: Builder): void {
  const ns = b.ir.mesh.namespace;
  b.add({
    kind: 'Namespace',
    name: ns,
    logical: '',
    owner: 'the mesh',
    span: b.ir.mesh.span,
    object: new Namespace({
      metadata: {
        name: ns,
        labels: {
          ...commonLabels(b.ir),
          'kubernetes.io/metadata.name': ns,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
      spec: { finalizers: ['kubernetes'] },
    }),
  });
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

function emitService(b: Builder, s: ServiceIR): void {
  const owner = `service "${s.name}"`;
  const w = s.workload;
  const sel = serviceSelector(s);
  const labels = objectLabels(b.ir, s.labels, sel);
  if (w || s.endpoints.length === 0) emitHeadless(b, s);
  if (!w) return;

  b.add({
    kind: 'ServiceAccount',
    name: s.serviceAccount,
    owner,
    span: s.span,
    object: new ServiceAccount({ metadata: b.meta(s.serviceAccount, labels), automountServiceAccountToken: false }),
  });

  // The sidecar's config.
  let proxy: { layout: ProxyLayout; configMap: string; files: ProxyFile[] } | undefined;
  if (s.sidecar) {
    const layout = layoutOf(b.ir.mesh.sidecar.proxy);
    const files = b.proxyFiles(layout, { kind: 'service', name: s.name }, s.span);
    if (files) {
      const configMap = emitConfigMap(b, sidecarConfigName(s), labels, files, owner, s.span);
      proxy = { layout, configMap, files };
    }
  }

  // Deployments: one per version, or one for the service.
  const units: { name: string; selector: Record<string, string>; replicas: number; image: string; version?: VersionIR }[] =
    s.versions.length > 0
      ? s.versions.map((v) => ({ name: deploymentName(s, v), selector: versionSelector(s, v), replicas: v.replicas, image: v.image ?? w.image, version: v }))
      : [{ name: deploymentName(s), selector: sel, replicas: w.replicas, image: w.image }];
  for (const u of units) {
    const podLabels = objectLabels(b.ir, s.labels, u.selector);
    const spec = servicePod(b, s, u.image, proxy);
    b.add({
      kind: 'Deployment',
      name: u.name,
      owner: u.version ? `version "${u.version.name}" of ${owner}` : owner,
      span: u.version?.span ?? w.span,
      object: deployment(b, u.name, podLabels, u.selector, u.replicas, spec, s.annotations),
    });
    if (u.replicas > 1) emitPdb(b, u.name, podLabels, u.selector, owner, u.version?.span ?? w.span);
  }

  // The Service callers' non-mesh clients use: the app's port numbers, to the sidecar ports.
  b.add({
    kind: 'Service',
    name: s.name,
    owner,
    span: s.span,
    object: new Service({
      metadata: b.meta(s.name, labels, s.annotations),
      spec: {
        ...serviceDefaults('ClusterIP'),
        ports: s.ports.map((p) => servicePort(p.name, p.port, s.sidecar ? p.sidecarPort : p.port)),
        selector: sel,
      },
    }),
  });

  // Who may connect to its pods.
  b.add({
    kind: 'NetworkPolicy',
    name: s.name,
    owner,
    span: s.span,
    object: new NetworkPolicy({
      metadata: b.meta(s.name, labels),
      spec: { ingress: ingressRules(s.inbound, b.ctx, owner), podSelector: { matchLabels: sel }, policyTypes: ['Ingress'] },
    }),
  });
}

/** The headless Services the proxies resolve: the service's and each version's. */
function emitHeadless(b: Builder, s: ServiceIR): void {
  const ports = s.ports.map((p) => servicePort(p.name, callPort(s, p), callPort(s, p)));
  const one = (name: string, selector: Record<string, string>, span: Span, owner: string) =>
    b.add({
      kind: 'Service',
      name,
      owner,
      span,
      object: new Service({
        metadata: b.meta(name, objectLabels(b.ir, s.labels, selector)),
        spec: { ...serviceDefaults('ClusterIP'), clusterIP: 'None', clusterIPs: ['None'], ports, selector },
      }),
    });
  one(s.headlessService, serviceSelector(s), s.span, `service "${s.name}"`);
  for (const v of s.versions) one(v.headlessService, versionSelector(s, v), v.span, `version "${v.name}" of service "${s.name}"`);
}

/** The port callers' proxies connect to: the sidecar port, or the app's for a service without sidecar. */
function callPort(s: ServiceIR, p: PortIR): number {
  return s.sidecar ? p.sidecarPort : p.port;
}

function servicePort(name: string, port: number, targetPort: number): ServicePort {
  return { name, port, protocol: 'TCP', targetPort };
}

/** Fields the API server defaults on a Service of this type. */
function serviceDefaults(type: 'ClusterIP' | 'LoadBalancer') {
  return {
    internalTrafficPolicy: 'Cluster' as const,
    ipFamilyPolicy: 'SingleStack' as const,
    sessionAffinity: 'None' as const,
    type,
  };
}

/** The pod of a service: app container, sidecar, volumes, security. */
function servicePod(b: Builder, s: ServiceIR, image: string, proxy: { layout: ProxyLayout; configMap: string; files: ProxyFile[] } | undefined): PodSpec {
  const w = s.workload!;
  const volumes: Volume[] = [];
  const app: Container = {
    ...containerDefaults(),
    image,
    imagePullPolicy: defaultPullPolicy(image),
    name: 'app',
    ports: s.ports.map((p) => ({ containerPort: p.port, protocol: 'TCP' })),
    resources: appResources(w.resources),
    securityContext: containerSecurity(w.runAsUser, w.readOnlyRootFilesystem),
  };
  if (w.command) app.command = w.command.map(literalForKubelet);
  if (w.args) app.args = w.args.map(literalForKubelet);
  if (w.env.length > 0) app.env = w.env.map((e) => ({ name: e.name, value: literalForKubelet(e.value) }));
  if (s.healthCheck) {
    const handler = probeHandler(s.healthCheck, s.ports);
    app.readinessProbe = probe(handler, s.healthCheck, s.healthCheck.healthyThreshold);
    app.livenessProbe = probe(handler, s.healthCheck, 1);
  }
  if (w.readOnlyRootFilesystem) {
    volumes.push({ emptyDir: {}, name: 'app-tmp' });
    app.volumeMounts = [{ mountPath: '/tmp', name: 'app-tmp' }];
  }
  const containers: Container[] = [];
  const bound = s.ports.map((p) => p.port);
  if (s.sidecar && proxy) {
    const { container, volumes: pv } = proxyContainer(b, proxy.layout, b.ir.mesh.sidecar.image, proxy.configMap, proxy.files, s.ports.map((p) => p.sidecarPort), meshTlsSecret(s.serviceAccount), []);
    containers.push(container);
    volumes.push(...pv);
    bound.push(...s.ports.map((p) => p.sidecarPort), ...s.outbound.map((o) => o.localPort), b.ir.mesh.sidecar.adminPort);
  }
  containers.unshift(app);
  return podSpec(s.serviceAccount, containers, volumes, bound);
}

/** A proxy container (sidecar or gateway) and the volumes it mounts. */
function proxyContainer(
  b: Builder,
  layout: ProxyLayout,
  image: string,
  configMap: string,
  files: ProxyFile[],
  ports: number[],
  tlsSecret: string,
  extraMounts: { volume: Volume; mount: VolumeMount }[],
): { container: Container; volumes: Volume[] } {
  const volumes: Volume[] = [];
  const mounts: VolumeMount[] = [];
  const flat = files.every((f) => f.key === f.path);
  const cmVolume: Volume = { configMap: { defaultMode: 420, name: configMap }, name: 'proxy-config' };
  if (!flat) cmVolume.configMap!.items = files.map((f) => ({ key: f.key, path: f.path }));
  volumes.push(cmVolume);
  mounts.push({ mountPath: layout.configDir, name: 'proxy-config', readOnly: true });
  if (b.ir.mesh.mtls !== 'off') {
    volumes.push({ name: 'mesh-tls', secret: { defaultMode: 420, items: certItems(b.ir), secretName: tlsSecret } });
    mounts.push({ mountPath: b.ir.mesh.certs.dir, name: 'mesh-tls', readOnly: true });
  }
  layout.writableDirs.forEach((dir, i) => {
    const name = i === 0 ? 'proxy-tmp' : `proxy-tmp-${i}`;
    volumes.push({ emptyDir: {}, name });
    mounts.push({ mountPath: dir, name });
  });
  for (const x of extraMounts) {
    volumes.push(x.volume);
    mounts.push(x.mount);
  }
  const uniquePorts = [...new Set(ports)];
  const container: Container = {
    ...containerDefaults(),
    args: layout.args(`${layout.configDir}/${files[0]!.path}`),
    command: [...layout.command],
    image,
    imagePullPolicy: defaultPullPolicy(image),
    name: 'proxy',
    ports: uniquePorts.map((p) => ({ containerPort: p, protocol: 'TCP' })),
    resources: structuredClone(PROXY_RESOURCES) as Container['resources'],
    securityContext: containerSecurity(layout.runAsUser, true),
    volumeMounts: mounts.sort((x, y) => compareStrings(x.mountPath, y.mountPath)),
  };
  if (uniquePorts.length > 0) container.readinessProbe = probe({ tcpSocket: { port: uniquePorts[0]! } }, undefined, 1);
  return { container, volumes };
}

/** The mesh certificate Secret's keys, projected to the paths the proxy configs read. */
function certItems(ir: MeshIR): KeyToPath[] {
  const c = ir.mesh.certs;
  const rel = (p: string) => {
    const prefix = c.dir.endsWith('/') ? c.dir : c.dir + '/';
    if (!p.startsWith(prefix)) throw new Error(`meshc bug: certificate path ${p} is not under ${c.dir}`);
    return p.slice(prefix.length);
  };
  const items: KeyToPath[] = [
    { key: 'ca.crt', path: rel(c.ca) },
    { key: 'tls.crt', path: rel(c.cert) },
    { key: 'tls.key', path: rel(c.key) },
  ];
  if (c.haproxyKey !== c.key) items.push({ key: 'tls.key', path: rel(c.haproxyKey) });
  return items;
}

/**
 * A string the kubelet passes on unchanged: it expands `$(VAR)` in a container's command, args and
 * env values, and reads `$$` as `$`; doubling every `$` makes the user's text arrive as written.
 */
export function literalForKubelet(s: string): string {
  return s.replace(/\$/g, '$$$$');
}

/** Fields the API server defaults on every container. */
function containerDefaults() {
  return { terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' as const };
}

/** The restricted profile's container settings. */
function containerSecurity(runAsUser: number, readOnlyRootFilesystem: boolean): Container['securityContext'] {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    runAsUser,
  };
}

function appResources(r: { cpu?: string; memory?: string }): Container['resources'] {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (r.cpu !== undefined) requests.cpu = canonicalQuantity(r.cpu) ?? r.cpu;
  if (r.memory !== undefined) {
    requests.memory = canonicalQuantity(r.memory) ?? r.memory;
    limits.memory = requests.memory;
  }
  const out: Container['resources'] = {};
  if (Object.keys(limits).length > 0) out.limits = limits;
  if (Object.keys(requests).length > 0) out.requests = requests;
  return out;
}

type ProbeHandler = Pick<Probe, 'httpGet' | 'tcpSocket'>;

/**
 * The probe of the app from its health check: an HTTP GET of `path` on the first `http` port
 * (kubelet probes speak HTTP/1.1), else a TCP connect to the first port.
 */
function probeHandler(hc: HealthCheckIR, ports: readonly PortIR[]): ProbeHandler {
  const http = hc.path !== undefined ? ports.find((p) => p.protocol === 'http') : undefined;
  if (http && hc.path !== undefined) return { httpGet: { path: hc.path, port: http.port, scheme: 'HTTP' } };
  return { tcpSocket: { port: ports[0]!.port } };
}

function probe(handler: ProbeHandler, hc: HealthCheckIR | undefined, successThreshold: number): Probe {
  return {
    ...handler,
    failureThreshold: hc?.unhealthyThreshold ?? 3,
    periodSeconds: hc ? probeSeconds(hc.intervalMs) : 10,
    successThreshold,
    timeoutSeconds: hc ? probeSeconds(hc.timeoutMs) : 1,
  };
}

/**
 * A pod spec with the API server's defaults and the restricted profile. `bound` are the ports the
 * pod's containers listen on: a port below 1024 needs the (namespaced, safe) sysctl that lets
 * non-root processes bind it.
 */
function podSpec(serviceAccount: string, containers: Container[], volumes: Volume[], bound: number[]): PodSpec {
  const low = Math.min(...bound.filter((p) => p > 0));
  const securityContext: PodSpec['securityContext'] = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  if (low < 1024) securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: String(low) }];
  return {
    automountServiceAccountToken: false,
    containers,
    dnsPolicy: 'ClusterFirst',
    enableServiceLinks: false,
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext,
    serviceAccountName: serviceAccount,
    terminationGracePeriodSeconds: 30,
    volumes: volumes.sort((x, y) => compareStrings(x.name, y.name)),
  };
}

function deployment(
  b: Builder,
  name: string,
  labels: Record<string, string>,
  selector: Record<string, string>,
  replicas: number,
  spec: PodSpec,
  annotations: Record<string, string>,
): Deployment {
  const template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } = { metadata: { labels }, spec };
  if (Object.keys(annotations).length > 0) template.metadata.annotations = annotations;
  return new Deployment({
    metadata: b.meta(name, labels),
    spec: {
      progressDeadlineSeconds: 600,
      replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: selector },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template,
    },
  });
}

function emitPdb(b: Builder, name: string, labels: Record<string, string>, selector: Record<string, string>, owner: string, span: Span): void {
  b.add({
    kind: 'PodDisruptionBudget',
    name,
    owner,
    span,
    object: new PodDisruptionBudget({
      metadata: b.meta(name, labels),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    }),
  });
}

/**
 * A proxy ConfigMap named `<logical>-<hash of its data>` (immutable), so that a config change
 * creates a new ConfigMap and rolls exactly the Deployments that mount it. Returns its name.
 */
function emitConfigMap(b: Builder, logical: string, labels: Record<string, string>, files: ProxyFile[], owner: string, span: Span): string {
  const data: Record<string, string> = {};
  for (const f of files) {
    if (!/^[-._a-zA-Z0-9]+$/.test(f.key) || Object.prototype.hasOwnProperty.call(data, f.key)) {
      throw new Error(`meshc bug: proxy file key ${JSON.stringify(f.key)} of ${owner} is not a valid, unique ConfigMap key`);
    }
    data[f.key] = f.content;
  }
  const name = `${logical}-${hashHex(canonicalJson(data))}`;
  b.add({
    kind: 'ConfigMap',
    name,
    logical,
    owner,
    span,
    object: new ConfigMap({
      metadata: b.meta(name, labels, { 'argocd.argoproj.io/sync-options': 'PruneLast=true' }),
      data,
      immutable: true,
    }),
  });
  return name;
}

// ---------------------------------------------------------------------------------------------
// Gateways
// ---------------------------------------------------------------------------------------------

function emitGateway(b: Builder, g: GatewayIR): void {
  const owner = `gateway "${g.name}"`;
  const base = gatewayObjectName(g);
  const sel = gatewaySelector(g);
  const labels = objectLabels(b.ir, g.labels, sel);
  b.add({
    kind: 'ServiceAccount',
    name: g.serviceAccount,
    owner,
    span: g.span,
    object: new ServiceAccount({ metadata: b.meta(g.serviceAccount, labels), automountServiceAccountToken: false }),
  });
  if (g.replicas > 0) {
    for (const l of g.listeners) {
      if (l.tls && !l.tls.secretName) {
        b.ctx.unsupported('listener TLS from certificateFile', l.span, `the file ${l.tls.certPath} is on the gateway's hosts, not in its pods; use tls.secretName, or replicas: 0 to run gateway "${g.name}" only on hosts`);
      }
    }
  }
  const layout = layoutOf(g.proxy);
  const files = b.proxyFiles(layout, { kind: 'gateway', name: g.name }, g.span);
  if (files) {
    const configMap = emitConfigMap(b, base, labels, files, owner, g.span);
    const listenerPorts = g.listeners.map((l) => l.port);
    const { container, volumes } = proxyContainer(b, layout, g.image, configMap, files, listenerPorts, meshTlsSecret(g.serviceAccount), listenerTls(g));
    const spec = podSpec(g.serviceAccount, [container], volumes, [...listenerPorts, g.adminPort]);
    b.add({ kind: 'Deployment', name: base, owner, span: g.span, object: deployment(b, base, labels, sel, g.replicas, spec, g.annotations) });
    if (g.replicas > 1) emitPdb(b, base, labels, sel, owner, g.span);
  }
  b.add({
    kind: 'Service',
    name: base,
    owner,
    span: g.span,
    object: new Service({
      metadata: b.meta(base, labels, g.annotations),
      spec: {
        ...serviceDefaults('LoadBalancer'),
        allocateLoadBalancerNodePorts: true,
        // Clients' addresses reach the proxy: CIDR Filters and per-source rate limits need them.
        externalTrafficPolicy: 'Local',
        ports: g.listeners.map((l) => servicePort(l.name, l.port, l.port)),
        selector: sel,
      },
    }),
  });
  b.add({
    kind: 'NetworkPolicy',
    name: base,
    owner,
    span: g.span,
    object: new NetworkPolicy({
      metadata: b.meta(base, labels),
      spec: { ingress: ingressRules(g.listeners.map((l) => l.inbound), b.ctx, owner), podSelector: { matchLabels: sel }, policyTypes: ['Ingress'] },
    }),
  });
}

/**
 * The listener certificate Secrets (`secretName`), each mounted once at its `mountDir`: `tls.crt`
 * and `tls.key` at the paths the gateway config names, and for HAProxy `tls.key` again at
 * `haproxyKeyPath` (`<certificate>.key`), where HAProxy looks for a certificate's key.
 */
function listenerTls(g: GatewayIR): { volume: Volume; mount: VolumeMount }[] {
  const out: { volume: Volume; mount: VolumeMount }[] = [];
  const seen = new Set<string>();
  for (const l of g.listeners) {
    const tls = l.tls;
    if (!tls?.secretName || !tls.mountDir || seen.has(tls.mountDir)) continue;
    seen.add(tls.mountDir);
    const prefix = tls.mountDir.endsWith('/') ? tls.mountDir : tls.mountDir + '/';
    const rel = (p: string) => {
      if (!p.startsWith(prefix)) throw new Error(`meshc bug: listener TLS path ${p} is not under ${tls.mountDir}`);
      return p.slice(prefix.length);
    };
    const items: KeyToPath[] = [{ key: 'tls.crt', path: rel(tls.certPath) }];
    const paths = new Set([rel(tls.certPath)]);
    const addKey = (path: string) => {
      if (!paths.has(path)) {
        paths.add(path);
        items.push({ key: 'tls.key', path });
      }
    };
    addKey(rel(tls.keyPath));
    if (g.proxy === 'haproxy') addKey(rel(tls.haproxyKeyPath));
    const name = `listener-tls-${seen.size}`;
    out.push({
      volume: { name, secret: { defaultMode: 420, items, secretName: tls.secretName } },
      mount: { mountPath: tls.mountDir, name, readOnly: true },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Names, sizes, output
// ---------------------------------------------------------------------------------------------

/** Object names valid for their kind, and no two objects (or files) with the same name. */
function checkNames(b: Builder): void {
  const byKey = new Map<string, Manifest>();
  for (const m of b.manifests) {
    const problem = m.kind === 'Service' ? dns1035LabelProblem(m.name) : m.kind === 'Namespace' ? dns1123LabelProblem(m.name) : dns1123SubdomainProblem(m.name);
    if (problem) b.ctx.report(KubernetesCodes.BadObjectName, m.span, { kind: m.kind, name: m.name, owner: m.owner, problem });
    for (const key of [`${m.kind}/${m.name}`, `file/${m.file}`]) {
      const first = byKey.get(key);
      if (first) {
        const extras = first.span ? { related: [{ span: first.span, message: `${first.owner} is here` }] } : {};
        b.ctx.report(KubernetesCodes.NameCollision, m.span, { kind: m.kind, name: m.name, first: first.owner, second: m.owner }, extras);
        break;
      }
      byKey.set(key, m);
    }
  }
}

/** Kind rank, then file name: the stable order of kustomization.yaml. */
function manifestOrder(a: Manifest, b: Manifest): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareStrings(a.file, b.file);
}

function write(b: Builder): OutputFile[] {
  const files: OutputFile[] = [];
  const header = `# Generated by meshc from the mesh "${b.ir.mesh.name}". Do not edit: change the mesh and rebuild.\n`;
  const seen = new Set<string>();
  const sorted = [...b.manifests].sort(manifestOrder).filter((m) => !seen.has(m.file) && (seen.add(m.file), true));
  for (const m of sorted) {
    const json = m.object.toJSON();
    const size = Buffer.byteLength(canonicalJson(json));
    if (size > MAX_OBJECT_BYTES) {
      b.ctx.report(KubernetesCodes.ObjectTooLarge, m.span, { kind: m.kind, name: m.name, size, limit: MAX_OBJECT_BYTES, owner: m.owner });
    }
    files.push({ path: `${OUT_DIR}/${m.file}`, content: header + toYaml(json) });
  }
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: sorted.map((m) => m.file),
  };
  files.push({ path: `${OUT_DIR}/kustomization.yaml`, content: header + toYaml(kustomization) });
  return files;
}
