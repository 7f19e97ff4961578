/**
 * How workload settings and mesh settings shape the pods.
 */
import { describe, expect, it } from 'vitest';
import { restrictedViolations } from '../../targets/kubernetes/restricted.js';
import { verifyKubernetes } from '../../targets/kubernetes/verify.js';
import { emit, objects, webshopIR } from './helpers.js';

describe('workload settings', () => {
  it('command, args, a writable root filesystem, no resources, an untagged image, a privileged port', async () => {
    const ir = await webshopIR();
    const users = ir.services.find((s) => s.name === 'users')!;
    const w = users.workload!;
    w.command = ['/bin/users'];
    w.args = ['--port', '80', '--greeting=$(HOME) costs $5 $$'];
    w.env = [{ name: 'A', value: '$(SECRET)' }];
    w.readOnlyRootFilesystem = false;
    w.runAsUser = 4242;
    w.resources = {};
    w.image = 'registry.example.com/users';
    users.ports[0]!.port = 80;
    users.inbound[0]!.appPort = 80;
    const r = emit(ir);
    expect(r.diagnostics).toEqual([]);
    const d = objects(r.files).get('kubernetes/deployment-users.yaml')!;
    const pod = d.spec.template.spec;
    const app = pod.containers.find((c: any) => c.name === 'app');
    expect(app.command).toEqual(['/bin/users']);
    // The kubelet expands $(VAR) and reads $$ as $: every $ is doubled so the text arrives as written.
    expect(app.args).toEqual(['--port', '80', '--greeting=$$(HOME) costs $$5 $$$$']);
    expect(app.env).toEqual([{ name: 'A', value: '$$(SECRET)' }]);
    expect(app.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false, runAsNonRoot: true, runAsUser: 4242 });
    expect(app.volumeMounts).toBeUndefined();
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('app-tmp');
    expect(app.resources).toEqual({});
    expect(app.imagePullPolicy).toBe('Always');
    expect(app.readinessProbe.httpGet.port).toBe(80);
    expect(pod.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }]);
    expect(restrictedViolations(pod)).toEqual([]);
    expect(verifyKubernetes(r.files).diagnostics).toEqual([]);
  });

  it('canonical quantities: memory is requested and the limit, CPU only requested', async () => {
    const ir = await webshopIR();
    ir.services.find((s) => s.name === 'users')!.workload!.resources = { cpu: '0.5', memory: '1024Mi' };
    const app = objects(emit(ir).files).get('kubernetes/deployment-users.yaml')!.spec.template.spec.containers[0];
    expect(app.resources).toEqual({ limits: { memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
  });

  it('probes: TCP without a path, HTTP on the first http port, whole seconds rounded up', async () => {
    const ir = await webshopIR();
    const catalog = ir.services.find((s) => s.name === 'catalog')!;
    const { path: _path, ...tcp } = catalog.healthCheck!;
    catalog.healthCheck = { ...tcp, intervalMs: 2500, timeoutMs: 500 };
    const app = objects(emit(ir).files).get('kubernetes/deployment-catalog-v1.yaml')!.spec.template.spec.containers[0];
    expect(app.readinessProbe).toEqual({ tcpSocket: { port: 8080 }, failureThreshold: 3, periodSeconds: 3, successThreshold: 2, timeoutSeconds: 1 });
    expect(app.livenessProbe.successThreshold).toBe(1);
    // A path, but the first port speaks gRPC: probe the first plain HTTP port.
    catalog.healthCheck.path = '/healthz';
    catalog.ports.reverse();
    const again = objects(emit(ir).files).get('kubernetes/deployment-catalog-v1.yaml')!.spec.template.spec.containers[0];
    expect(again.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
  });

  it('no health check, no probes on the app', async () => {
    const ir = await webshopIR();
    delete ir.services.find((s) => s.name === 'users')!.healthCheck;
    const app = objects(emit(ir).files).get('kubernetes/deployment-users.yaml')!.spec.template.spec.containers[0];
    expect(app.readinessProbe).toBeUndefined();
    expect(app.livenessProbe).toBeUndefined();
  });

  it('user labels and annotations: labels on every object of the service, annotations on its pods and Service', async () => {
    const ir = await webshopIR();
    const users = ir.services.find((s) => s.name === 'users')!;
    users.annotations = { 'prometheus.io/scrape': 'true' };
    users.labels = { ...users.labels, 'app.kubernetes.io/name': 'hijack' };
    const o = objects(emit(ir).files);
    const d = o.get('kubernetes/deployment-users.yaml')!;
    expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
    expect(o.get('kubernetes/service-users.yaml')!.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
    // meshc's own labels win: selectors cannot be broken by metadata labels.
    expect(d.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('users');
    expect(o.get('kubernetes/serviceaccount-users.yaml')!.metadata.labels.team).toBe('identity');
  });
});

describe('mesh settings', () => {
  it('mtls off: no certificate Secret is mounted', async () => {
    const ir = await webshopIR();
    ir.mesh.mtls = 'off';
    const o = objects(emit(ir).files);
    for (const [path, d] of o) {
      if (d.kind !== 'Deployment') continue;
      expect(d.spec.template.spec.volumes.map((v: any) => v.name), path).not.toContain('mesh-tls');
    }
  });

  it('the HAProxy sidecar: its config and map files mounted under its directory, started on its .cfg', async () => {
    const ir = await webshopIR();
    ir.mesh.sidecar.proxy = 'haproxy';
    ir.mesh.sidecar.image = 'haproxy:2.6';
    const r = emit(ir);
    expect(r.diagnostics).toEqual([]);
    const o = objects(r.files);
    const pod = o.get('kubernetes/deployment-users.yaml')!.spec.template.spec;
    const proxy = pod.containers.find((c: any) => c.name === 'proxy');
    expect(proxy.image).toBe('haproxy:2.6');
    expect(proxy.command[0]).toBe('haproxy');
    expect(proxy.securityContext.runAsUser).toBe(99);
    const cfgVolume = pod.volumes.find((v: any) => v.name === 'proxy-config');
    const cm = o.get('kubernetes/configmap-users-sidecar.yaml')!;
    expect(cfgVolume.configMap.name).toBe(cm.metadata.name);
    const mount = proxy.volumeMounts.find((m: any) => m.name === 'proxy-config').mountPath;
    expect(proxy.args).toContain(`${mount}/${cfgVolume.configMap.items?.[0]?.path ?? Object.keys(cm.data)[0]}`);
    expect(verifyKubernetes(r.files).diagnostics).toEqual([]);
  });
});
