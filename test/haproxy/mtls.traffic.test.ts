/**
 * Real HAProxy, real traffic: mTLS between two sidecars. `client`'s sidecar calls `server`'s sidecar
 * with its certificate (SPIFFE URI SAN, made by openssl here); `server` admits only `client`.
 * Callers without a certificate, with one from another CA, or with another identity are refused.
 * A callee that presents another identity (a valid mesh certificate) is caught only on its
 * response: HAProxy 2.6 cannot check a URI SAN during the handshake, so the request reaches the
 * impostor (and whatever it forwards to) and the caller's sidecar then answers 502 instead of the
 * impostor's response (targets/haproxy/README.md, Limits).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshIR } from '../../src/ir/types.js';
import { filesOfProxy } from '../../targets/haproxy/index.js';
import {
  cleanup, describeWithHaproxy, emit, freePorts, irOf, makeCa, request, scratch, startHaproxy, startServer, writeFiles,
  type Echo, type RunningHaproxy, type TestServer,
} from './harness.js';
import { mtlsMesh, type MtlsPorts } from './fixtures.js';

describeWithHaproxy('haproxy mTLS between two sidecars with real traffic', () => {
  let p: MtlsPorts;
  let dir: string;
  let ir: MeshIR;
  let serverProxy: RunningHaproxy;
  let clientProxy: RunningHaproxy;
  const id = (sa: string): string => `spiffe://t.local/ns/ns/sa/${sa}`;
  let ca: ReturnType<typeof makeCa>;
  let certs: Record<string, { cert: string; key: string }>;
  let app: TestServer;

  /** Emits and starts one sidecar with its own certificate and admin port. */
  const sidecar = async (owner: string, cert: { cert: string; key: string }, admin: number): Promise<RunningHaproxy> => {
    const own: MeshIR = structuredClone(ir);
    own.mesh.certs = { dir: dir, cert: cert.cert, key: cert.key, haproxyKey: cert.cert + '.key', ca: ca.cert };
    own.mesh.sidecar.adminPort = admin;
    const confDir = join(dir, `conf-${owner}-${admin}`);
    const { files, diagnostics } = emit(own, { listenAddress: '127.0.0.1', configDir: confDir });
    expect(diagnostics).toEqual([]);
    writeFiles(filesOfProxy(files, owner), confDir);
    return startHaproxy(join(confDir, `${owner}.cfg`), admin);
  };

  beforeAll(async () => {
    const [adminClient, adminServer, clientApp, clientSidecar, clientLocal, serverApp, serverSidecar] = await freePorts(7);
    p = { adminClient: adminClient!, adminServer: adminServer!, clientApp: clientApp!, clientSidecar: clientSidecar!, clientLocal: clientLocal!, serverApp: serverApp!, serverSidecar: serverSidecar! };
    dir = scratch();
    ca = makeCa(join(dir, 'ca'), 'mesh-ca');
    const rogue = makeCa(join(dir, 'rogue'), 'rogue-ca');
    certs = {
      client: ca.issue('client', id('client')),
      server: ca.issue('server', id('server')),
      intruder: ca.issue('intruder', id('intruder')),
      // Same identity as `client`, different CA: must not pass.
      forged: rogue.issue('forged', id('client')),
      // A longer identity that starts with client's: the SAN match must be exact.
      longer: ca.issue('longer', id('client') + 'x'),
    };
    app = await startServer('server-app', p.serverApp);
    ir = await irOf(mtlsMesh(p));
    serverProxy = await sidecar('server', certs.server!, p.adminServer);
    clientProxy = await sidecar('client', certs.client!, p.adminClient);
  });
  afterAll(cleanup);

  const direct = (cert?: { cert: string; key: string }) =>
    request(`https://127.0.0.1:${p.serverSidecar}/direct`, {
      tls: {
        ca: readFileSync(ca.cert),
        ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}),
        checkServerIdentity: () => undefined,
      },
    });

  it('carries a call from client to server through both sidecars', async () => {
    const r = await request(`http://127.0.0.1:${p.clientLocal}/hello?x=1`);
    if (r.status !== 200) console.log(clientProxy.output(), serverProxy.output());
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body) as Echo;
    expect(echo.server).toBe('server-app');
    expect(echo.url).toBe('/hello?x=1');
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('admits the allowed identity presented directly', async () => {
    expect((await direct(certs.client)).status).toBe(200);
  });

  it('refuses a caller without a certificate', async () => {
    await expect(direct()).rejects.toThrow();
  });

  it('refuses a certificate from another CA, even with the right identity', async () => {
    await expect(direct(certs.forged)).rejects.toThrow();
  });

  it('answers 403 to a valid certificate of an identity that is not allowed', async () => {
    expect((await direct(certs.intruder)).status).toBe(403);
    expect((await direct(certs.longer)).status).toBe(403);
  });

  it('refuses the response of a callee that presents another identity (the request has reached it)', async () => {
    serverProxy.stop();
    await new Promise((r) => setTimeout(r, 100));
    // An impostor with a valid mesh certificate of another identity takes the server's port.
    await sidecar('server', certs.intruder!, p.adminServer);
    // Health checks may have marked the server down while it was away (503): wait for them.
    let status = 0;
    let path = '';
    for (let i = 0; i < 40; i++) {
      path = `/impostor-${i}`;
      const r = await request(`http://127.0.0.1:${p.clientLocal}${path}`);
      status = r.status;
      if (status !== 503) {
        // The caller never sees the impostor's answer…
        expect(r.body).not.toContain('server-app');
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(502);
    // …but HAProxy 2.6 checks the callee's identity only on the response: the request got through
    // the impostor to the app behind it.
    expect(app.seen).toContain(path);
  });
});
