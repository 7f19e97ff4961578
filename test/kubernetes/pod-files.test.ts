/**
 * The files each proxy container sees, assembled from its Deployment's volumes (ConfigMap items,
 * Secret items), against the paths its config reads: every absolute path an Envoy or HAProxy config
 * names exists in the container, and HAProxy itself accepts its config in that filesystem
 * (`haproxy -c`, with the certificate and key as separate files, as the Secret projects them).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshIR } from '../../src/ir/types.js';
import type { OutputFile } from '../../src/target/types.js';
import envoy from '../../targets/envoy/index.js';
import haproxy from '../../targets/haproxy/index.js';
import { collectingContext, emit, objects, webshopIR } from './helpers.js';

type Obj = Record<string, any>;

/** A container's view: absolute path → content, for every file its volumes project. */
function containerFiles(tree: Map<string, Obj>, deployment: Obj, container: Obj, secrets: Record<string, string>): Map<string, string> {
  const cms = new Map([...tree.values()].filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]));
  const pod = deployment.spec.template.spec;
  const out = new Map<string, string>();
  for (const m of container.volumeMounts ?? []) {
    const v = pod.volumes.find((x: Obj) => x.name === m.name);
    if (v.configMap) {
      const cm = cms.get(v.configMap.name)!;
      const items: { key: string; path: string }[] = v.configMap.items ?? Object.keys(cm.data).map((k) => ({ key: k, path: k }));
      for (const i of items) out.set(`${m.mountPath}/${i.path}`, cm.data[i.key]);
    } else if (v.secret) {
      for (const i of v.secret.items) out.set(`${m.mountPath}/${i.path}`, secrets[i.key] ?? `<${v.secret.secretName}:${i.key}>`);
    }
  }
  return out;
}

/** Absolute paths under /etc/meshc that a config names (directories end with a slash). */
function referencedPaths(config: string): string[] {
  // A sentence may end right after a path: drop trailing dots.
  return [...new Set((config.match(/\/etc\/meshc\/[A-Za-z0-9._/-]*/g) ?? []).map((p) => p.replace(/\.+$/, '')))];
}

function proxies(tree: Map<string, Obj>): { path: string; deployment: Obj; proxy: Obj }[] {
  return [...tree]
    .filter(([, o]) => o.kind === 'Deployment')
    .flatMap(([path, d]) => d.spec.template.spec.containers.filter((c: Obj) => c.name === 'proxy').map((proxy: Obj) => ({ path, deployment: d, proxy })));
}

function meshes(): Promise<{ name: string; ir: MeshIR }[]> {
  return (async () => {
    const envoy = await webshopIR();
    const haproxy = await webshopIR();
    haproxy.mesh.sidecar.proxy = 'haproxy';
    haproxy.mesh.sidecar.image = 'haproxy:2.6';
    return [
      { name: 'webshop (Envoy sidecars)', ir: envoy },
      { name: 'webshop with HAProxy sidecars', ir: haproxy },
    ];
  })();
}

let trees: { name: string; files: OutputFile[]; tree: Map<string, Obj> }[] = [];

beforeAll(async () => {
  trees = (await meshes()).map(({ name, ir }) => {
    const { files } = emit(ir);
    return { name, files, tree: objects(files) };
  });
});

describe('every path a proxy config names is mounted in its container', () => {
  it('for Envoy and HAProxy sidecars and gateways', () => {
    let checked = 0;
    for (const { name, tree } of trees) {
      for (const { path, deployment, proxy } of proxies(tree)) {
        const files = containerFiles(tree, deployment, proxy, {});
        const main = proxy.args.find((a: string) => a.startsWith('/etc/meshc/'));
        expect(files.has(main), `${name} ${path}: ${main}`).toBe(true);
        for (const [file, content] of files) {
          if (!file.startsWith('/etc/meshc/certs/') && !file.startsWith('/etc/meshc/tls/')) {
            for (const ref of referencedPaths(content)) {
              const dirPrefix = ref.endsWith('/') ? ref : `${ref}/`;
              const ok = files.has(ref) || [...files.keys()].some((f) => f.startsWith(dirPrefix));
              expect(ok, `${name} ${path}: ${file} names ${ref}`).toBe(true);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

const haveHaproxy = !spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).error && !spawnSync('openssl', ['version'], { stdio: 'ignore' }).error;
if (!haveHaproxy) {
  if (process.env.CI) throw new Error('haproxy and openssl are required in CI');
  console.warn('test/kubernetes/pod-files: haproxy or openssl is not installed: skipping haproxy -c on the mounted files');
}

describe.skipIf(!haveHaproxy)('haproxy -c in the filesystem the pod mounts', () => {
  let dir = '';
  let secrets: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshc-k8s-pod-'));
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=meshc-test', '-days', '2', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')],
      { stdio: 'ignore', timeout: 20_000 },
    );
    expect(r.status).toBe(0);
    const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
    // As a kubernetes.io/tls Secret holds them: the certificate and the key in separate keys.
    secrets = { 'tls.crt': cert, 'tls.key': readFileSync(join(dir, 'k.pem'), 'utf8'), 'ca.crt': cert };
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts every HAProxy sidecar and gateway config', () => {
    let ran = 0;
    for (const { name, tree } of trees) {
      for (const { path, deployment, proxy } of proxies(tree)) {
        if (proxy.command[0] !== 'haproxy') continue;
        const root = join(dir, `${ran}`);
        const files = containerFiles(tree, deployment, proxy, secrets);
        for (const [file, content] of files) {
          const at = root + file;
          mkdirSync(dirname(at), { recursive: true });
          writeFileSync(at, content.split('/etc/meshc/').join(`${root}/etc/meshc/`));
        }
        const main = root + proxy.args[proxy.args.indexOf('-f') + 1];
        const r = spawnSync('haproxy', ['-c', '-f', main], { encoding: 'utf8', timeout: 30_000 });
        expect(r.status, `${name} ${path}: ${r.stdout}${r.stderr}`).toBe(0);
        ran++;
      }
    }
    // The edge gateway in both meshes, and six sidecar pods with HAProxy sidecars.
    expect(ran).toBe(8);
  });
});

describe('the deployed configs are the proxy targets\' own output', () => {
  it('every ConfigMap file equals the file the Envoy or HAProxy target emits for the whole mesh', async () => {
    let compared = 0;
    for (const { ir } of await meshes()) {
      const own = new Map<string, string>();
      for (const t of [envoy, haproxy]) for (const f of t.emit(ir, collectingContext().ctx)) own.set(f.path, f.content);
      const tree = objects(emit(ir).files);
      for (const { deployment, proxy } of proxies(tree)) {
        const kind = proxy.command[0] as 'envoy' | 'haproxy';
        const owner = deployment.metadata.labels['app.kubernetes.io/component'] === 'gateway' ? `gateway-${deployment.metadata.labels['app.kubernetes.io/name']}` : deployment.metadata.labels['app.kubernetes.io/name'];
        const files = containerFiles(tree, deployment, proxy, {});
        for (const [path, content] of files) {
          if (path.startsWith('/etc/meshc/certs/') || path.startsWith('/etc/meshc/tls/')) continue;
          const base = path.slice(path.lastIndexOf('/') + 1);
          const source = kind === 'envoy' ? `envoy/${owner}.yaml` : `haproxy/${base}`;
          expect(content, `${deployment.metadata.name}: ${path}`).toBe(own.get(source));
          compared++;
        }
        // And nothing of the owner's is left out.
        const ownFiles = [...own.keys()].filter((p) => (kind === 'envoy' ? p === `envoy/${owner}.yaml` : p.startsWith(`haproxy/${owner}.`)));
        expect(ownFiles.length, deployment.metadata.name).toBe([...files.keys()].filter((p) => !p.startsWith('/etc/meshc/certs/') && !p.startsWith('/etc/meshc/tls/')).length);
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});
