/**
 * Diagnostics of the Kubernetes target: MC9xxx. `meshc explain CODE` prints their `doc`.
 * @module
 */
import { defineCodes } from '../../src/diagnostics/catalog.js';

/** The Kubernetes target's catalog. */
export const KubernetesCodes = defineCodes({
  ObjectTooLarge: {
    code: 'MC9001', severity: 'error', title: 'Kubernetes object too large',
    message: '{kind} "{name}" would be {size} bytes, over the {limit} bytes that client-side apply can record',
    hint: 'make {owner} use fewer services or shorter routes, or split it; server-side apply (Flux, Argo CD ServerSideApply=true) has a 1 MiB limit instead',
    doc: '`kubectl apply` (and Argo CD by default) records the whole object in the `kubectl.kubernetes.io/last-applied-configuration` annotation, and all annotations of an object together may hold at most 256 KiB. A sidecar or gateway config that makes its ConfigMap larger than that cannot be applied that way. A sidecar\'s config grows with what the service `uses` and with the routes of those services: reduce them, or split the service.',
  },
  NameCollision: {
    code: 'MC9002', severity: 'error', title: 'Kubernetes name collision',
    message: 'the {kind} "{name}" that meshc derives for {first} is also derived for {second}',
    hint: 'rename one of them',
    doc: 'The Kubernetes target derives object names from resource names: `<service>` and `<service>-<version>` for Deployments, `gateway-<name>` for a gateway\'s objects, `default-deny` for the namespace-wide NetworkPolicy. Two resources whose derived names are equal would overwrite each other in the cluster, e.g. a service `catalog-v1` and version `v1` of service `catalog`.',
  },
  BadObjectName: {
    code: 'MC9003', severity: 'error', title: 'Invalid Kubernetes name',
    message: 'the {kind} name "{name}" derived from {owner} is not valid in Kubernetes: {problem}',
    hint: 'shorten or rename {owner}',
    doc: 'Kubernetes restricts object names per kind: Services need a DNS-1035 label (at most 63 characters, starting with a letter), most other objects a DNS-1123 subdomain (at most 253 characters). A name that meshc derives from a resource name (e.g. `gateway-<name>` for a gateway\'s Service) must meet the rule of its kind.',
  },
  UnmatchableSource: {
    code: 'MC9004', severity: 'warning', title: 'Source not expressible in a NetworkPolicy',
    message: '{kind} "{name}" runs on {host}, a DNS name that a NetworkPolicy cannot match: port {port} of {target} stays open to every source at L4',
    hint: 'give {name} IP addresses as endpoints; its proxy identity is still checked by the sidecar',
    doc: 'NetworkPolicies match pods by label and other hosts by IP block, never by DNS name. When an allowed source runs on a host known only by name, the NetworkPolicy cannot admit exactly it; rather than refusing legitimate traffic, the port stays open to every source at L4 and the sidecar (mTLS identity and the Filters) still decides. With IP endpoints the NetworkPolicy admits exactly those addresses.',
  },
  DenyNotExpressible: {
    code: 'MC9009', severity: 'warning', title: 'Deny not expressible in a NetworkPolicy',
    message: 'under defaultAction allow, the NetworkPolicy of {target} admits every source on port {port}: it cannot refuse the sources of deny Filter "{filter}" while admitting all others',
    hint: 'the sidecar (and nftables, for hosts outside Kubernetes) enforce the deny; for a workload without a sidecar, use defaultAction deny with allow Filters, which a NetworkPolicy expresses',
    doc: 'NetworkPolicies only admit traffic. Under `defaultAction: deny` a deny Filter is expressed by leaving its sources out (and a denied address inside an admitted IP block becomes one of its `except` entries). Under `defaultAction: allow` the policy must admit every source, and it cannot then refuse some of them: the deny is enforced by the sidecar and by nftables, not by the NetworkPolicy, and meshc says so instead of leaving it out silently. For a workload with `sidecar: false` in Kubernetes, nothing else enforces it inside the cluster.',
  },
  MissingProxyConfig: {
    code: 'MC9005', severity: 'error', title: 'No proxy config',
    message: 'the {proxy} target emitted no config for {owner}{detail}',
    hint: 'this is a bug in meshc unless the {proxy} target reported an error above; please report it with the input',
    doc: 'The Kubernetes target deploys the configs that the Envoy and HAProxy targets emit for every sidecar and gateway. When that target produced no config for a workload (usually because it reported an error), the Deployment cannot be built.',
  },
  SchemaInvalid: {
    code: 'MC9006', severity: 'error', title: 'Manifest fails the Kubernetes schema',
    message: '{file}: {kind} "{name}" does not validate: {problem}',
    hint: 'this is a bug in meshc; please report it with the input',
    doc: 'Every object the Kubernetes target emits is checked with the Kubernetes API schemas (kubernetes-models `validate()`) and with the naming and range rules of the API server under `meshc build --verify`. A failure is always a bug in meshc.',
  },
  NotRestricted: {
    code: 'MC9007', severity: 'error', title: 'Pod does not meet the restricted profile',
    message: '{file}: {problem}',
    hint: 'this is a bug in meshc; please report it with the input',
    doc: 'Every pod the Kubernetes target emits meets the Pod Security Standard "restricted" profile (non-root, no privilege escalation, every capability dropped, RuntimeDefault seccomp, only safe volume types and sysctls) so that it is admitted into a namespace that enforces it. A failure is always a bug in meshc.',
  },
  BadManifest: {
    code: 'MC9008', severity: 'error', title: 'Unreadable manifest',
    message: '{file}: {problem}',
    hint: 'this is a bug in meshc unless the file was edited by hand',
    doc: 'A file in the Kubernetes output is not one YAML object of a known kind, or kustomization.yaml does not list exactly the files beside it.',
  },
});
