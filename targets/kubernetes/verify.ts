/**
 * The Kubernetes target's verifier: every emitted object against the Kubernetes API schemas
 * (kubernetes-models `validate()`), plus the rules the API server enforces that the schemas do not
 * state (names, label syntax, port ranges, selectors matching templates, references between
 * objects), the restricted Pod Security profile, the size limit, and kustomization.yaml listing
 * exactly the files beside it.
 * @module
 */
import YAML from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { makeDiagnostic } from '../../src/diagnostics/bag.js';
import type { Diagnostic, DiagnosticArgs, DiagnosticInfo } from '../../src/diagnostics/types.js';
import type { OutputFile, VerifyResult } from '../../src/target/types.js';
import { KubernetesCodes } from './codes.js';
import { MAX_OBJECT_BYTES, OUT_DIR } from './emit.js';
import { restrictedViolations } from './restricted.js';
import { canonicalJson, dns1035LabelProblem, dns1123LabelProblem, dns1123SubdomainProblem } from './util.js';

/** A model class: validates the object it is built from. */
type ModelClass = new (data: never) => { validate(): void };

/** The kinds the target emits, by `apiVersion/kind`. */
export const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const strings = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) out[k] = String(x);
  return out;
};

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

/** Why a label key is invalid, or undefined. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0 && dns1123SubdomainProblem(key.slice(0, slash))) return `label key ${key} has an invalid prefix`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `label key ${key} is invalid`;
  return undefined;
}

/** Why a label value is invalid, or undefined. */
function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) return `label value ${JSON.stringify(value)} is invalid`;
  return undefined;
}

/** A parsed manifest. */
export interface ParsedManifest {
  /** Its path. */
  file: string;
  /** The object. */
  object: Obj;
}

/** Parses the YAML manifests under `kubernetes/` (except kustomization.yaml); problems go to `report`. */
export function parseManifests(files: readonly OutputFile[], report: (file: string, problem: string) => void): { manifests: ParsedManifest[]; kustomization?: Obj } {
  const manifests: ParsedManifest[] = [];
  let kustomization: Obj | undefined;
  for (const f of files) {
    if (!f.path.startsWith(OUT_DIR + '/')) continue;
    const doc = YAML.parseDocument(f.content, { version: '1.1' });
    if (doc.errors.length > 0) {
      const multi = doc.errors.some((e) => e.code === 'MULTIPLE_DOCS');
      report(f.path, multi ? 'holds more than one YAML document' : `is not valid YAML: ${doc.errors[0]!.message}`);
      continue;
    }
    const value = doc.toJS() as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      report(f.path, 'is not a YAML mapping');
      continue;
    }
    if (f.path === `${OUT_DIR}/kustomization.yaml`) kustomization = value as Obj;
    else manifests.push({ file: f.path, object: value as Obj });
  }
  return kustomization ? { manifests, kustomization } : { manifests };
}

/** Checks the Kubernetes target's output. Pure: reads only `files`. */
export function verifyKubernetes(files: readonly OutputFile[]): VerifyResult {
  const diagnostics: Diagnostic[] = [];
  const add = (info: DiagnosticInfo, args: DiagnosticArgs) => diagnostics.push(makeDiagnostic(info, undefined, args, { target: 'kubernetes' }));
  const bad = (file: string, problem: string) => add(KubernetesCodes.BadManifest, { file, problem });
  const { manifests, kustomization } = parseManifests(files, bad);

  // kustomization.yaml lists exactly the other files, once each.
  if (!kustomization) bad(`${OUT_DIR}/kustomization.yaml`, 'is missing');
  else {
    const listed = Array.isArray(kustomization.resources) ? kustomization.resources.map(String) : [];
    const present = new Set(
      files.filter((f) => f.path.startsWith(OUT_DIR + '/') && f.path !== `${OUT_DIR}/kustomization.yaml`).map((f) => f.path.slice(OUT_DIR.length + 1)),
    );
    const seen = new Set<string>();
    for (const r of listed) {
      if (seen.has(r)) bad(`${OUT_DIR}/kustomization.yaml`, `lists ${r} twice`);
      seen.add(r);
      if (!present.has(r)) bad(`${OUT_DIR}/kustomization.yaml`, `lists ${r}, which is not emitted`);
    }
    for (const p of present) if (!seen.has(p)) bad(`${OUT_DIR}/kustomization.yaml`, `does not list ${p}`);
  }

  const namespaces = manifests.filter((m) => m.object.kind === 'Namespace').map((m) => String(obj(m.object.metadata).name));
  const byKind = (kind: string) => new Set(manifests.filter((m) => m.object.kind === kind).map((m) => String(obj(m.object.metadata).name)));
  const configMaps = byKind('ConfigMap');
  const serviceAccounts = byKind('ServiceAccount');

  for (const { file, object } of manifests) {
    const kind = String(object.kind);
    const meta = obj(object.metadata);
    const name = String(meta.name);
    const problems: string[] = [];
    const Model = MODELS[`${String(object.apiVersion)}/${kind}`];
    if (!Model) {
      bad(file, `unknown apiVersion/kind ${String(object.apiVersion)}/${kind}`);
      continue;
    }
    try {
      new Model(object as never).validate();
    } catch (err) {
      problems.push(String((err as Error).message));
    }
    const nameProblem = kind === 'Service' ? dns1035LabelProblem(name) : kind === 'Namespace' ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name);
    if (nameProblem) problems.push(`name: ${nameProblem}`);
    if (kind !== 'Namespace' && (meta.namespace === undefined || !namespaces.includes(String(meta.namespace)))) {
      problems.push(`its namespace ${String(meta.namespace)} is not the emitted Namespace`);
    }
    for (const [k, v] of Object.entries(strings(meta.labels))) {
      const p = labelKeyProblem(k) ?? labelValueProblem(v);
      if (p) problems.push(p);
    }
    const size = Buffer.byteLength(canonicalJson(object));
    if (size > MAX_OBJECT_BYTES) problems.push(`${size} bytes, over ${MAX_OBJECT_BYTES}`);
    const spec = obj(object.spec);
    const port = (p: unknown, what: string) => {
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) problems.push(`${what} ${String(p)} is not a port number`);
    };
    const selectorOk = (sel: Record<string, string>, what: string) => {
      if (Object.keys(sel).length === 0) problems.push(`${what} is empty`);
      for (const [k, v] of Object.entries(sel)) {
        const p = labelKeyProblem(k) ?? labelValueProblem(v);
        if (p) problems.push(`${what}: ${p}`);
      }
    };
    if (kind === 'Deployment') {
      const tmpl = obj(spec.template);
      const tmeta = obj(tmpl.metadata);
      const labels = strings(tmeta.labels);
      const sel = strings(obj(spec.selector).matchLabels);
      selectorOk(sel, 'selector');
      for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) problems.push(`selector ${k}=${v} does not match the pod template's labels`);
      const pod = obj(tmpl.spec);
      const volumes = list(pod.volumes);
      const volumeNames = new Set<string>();
      for (const v of volumes) {
        const vn = String(v.name);
        const p = dns1123LabelProblem(vn);
        if (p) problems.push(`volume name ${vn}: ${p}`);
        if (volumeNames.has(vn)) problems.push(`volume ${vn} is declared twice`);
        volumeNames.add(vn);
        const cm = obj(v.configMap);
        if (cm.name !== undefined && !configMaps.has(String(cm.name))) problems.push(`volume ${vn} mounts ConfigMap ${String(cm.name)}, which is not emitted`);
      }
      const sa = pod.serviceAccountName;
      if (sa !== undefined && !serviceAccounts.has(String(sa))) problems.push(`ServiceAccount ${String(sa)} is not emitted`);
      const containerNames = new Set<string>();
      const podPorts = new Set<number>();
      for (const c of list(pod.containers)) {
        const cn = String(c.name);
        const p = dns1123LabelProblem(cn);
        if (p) problems.push(`container name ${cn}: ${p}`);
        if (containerNames.has(cn)) problems.push(`container ${cn} is declared twice`);
        containerNames.add(cn);
        for (const cp of list(c.ports)) {
          port(cp.containerPort, `container ${cn} port`);
          if (podPorts.has(Number(cp.containerPort))) problems.push(`port ${String(cp.containerPort)} is declared by two containers`);
          podPorts.add(Number(cp.containerPort));
        }
        const mountPaths = new Set<string>();
        for (const m of list(c.volumeMounts)) {
          if (!volumeNames.has(String(m.name))) problems.push(`container ${cn} mounts undeclared volume ${String(m.name)}`);
          if (mountPaths.has(String(m.mountPath))) problems.push(`container ${cn} mounts two volumes at ${String(m.mountPath)}`);
          mountPaths.add(String(m.mountPath));
        }
        for (const pr of ['readinessProbe', 'livenessProbe'] as const) {
          const probe = obj(c[pr]);
          const h = obj(probe.httpGet ?? probe.tcpSocket);
          if (c[pr] !== undefined) port(h.port, `${cn} ${pr} port`);
        }
        if (obj(c.livenessProbe).successThreshold !== undefined && obj(c.livenessProbe).successThreshold !== 1) {
          problems.push(`container ${cn}: a liveness probe's successThreshold must be 1`);
        }
      }
      for (const v of restrictedViolations(pod, strings(tmeta.annotations))) {
        add(KubernetesCodes.NotRestricted, { file, problem: `Deployment "${name}": ${v}` });
      }
    } else if (kind === 'Service') {
      const names = new Set<string>();
      for (const p of list(spec.ports)) {
        port(p.port, 'port');
        port(p.targetPort, 'targetPort');
        if (names.has(String(p.name))) problems.push(`port name ${String(p.name)} is used twice`);
        names.add(String(p.name));
      }
      selectorOk(strings(spec.selector), 'selector');
    } else if (kind === 'PodDisruptionBudget') {
      selectorOk(strings(obj(spec.selector).matchLabels), 'selector');
    } else if (kind === 'NetworkPolicy') {
      for (const r of list(spec.ingress)) for (const p of list(r.ports)) port(p.port, 'port');
    } else if (kind === 'ConfigMap') {
      for (const k of Object.keys(obj(object.data))) if (!/^[-._a-zA-Z0-9]+$/.test(k)) problems.push(`data key ${k} is invalid`);
    }
    for (const problem of problems) add(KubernetesCodes.SchemaInvalid, { file, kind, name, problem });
  }
  return { diagnostics, skipped: [] };
}
