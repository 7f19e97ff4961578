/**
 * Real HAProxy, real traffic: the inbound side of a sidecar. Port `http`: a deny Filter on /admin/*
 * wins over an allow; an allow admits GET /ok and /ok/* from 127.0.0.0/8; everything else meets the
 * default deny (403). Port `limited`: 5 requests per minute, then 429. Port `jwt`: RS256 tokens
 * with issuer, audience, expiry (401 otherwise).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, describeWithHaproxy, emit, freePorts, irOf, request, scratch, startHaproxy, startServer, writeFiles } from './harness.js';
import { policyMesh, type PolicyPorts } from './fixtures.js';

/** A compact JWS signed with `key`. */
function jwt(key: KeyObject, payload: Record<string, unknown>, alg = 'RS256'): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = b64({ alg, typ: 'JWT' });
  const body = b64(payload);
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
  return `${head}.${body}.${sig}`;
}

describeWithHaproxy('haproxy inbound policy with real traffic', () => {
  let p: PolicyPorts;
  let key: KeyObject;
  let otherKey: KeyObject;
  const url = (port: number, path: string): string => `http://127.0.0.1:${port}${path}`;

  beforeAll(async () => {
    const [admin, app, appLimited, appJwt, sidecar, sidecarLimited, sidecarJwt] = await freePorts(7);
    p = { admin: admin!, app: app!, appLimited: appLimited!, appJwt: appJwt!, sidecar: sidecar!, sidecarLimited: sidecarLimited!, sidecarJwt: sidecarJwt! };
    const dir = scratch();
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = pair.privateKey;
    otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwks = join(dir, 'jwks.json');
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] }));
    await startServer('app', p.app);
    await startServer('limited', p.appLimited);
    await startServer('jwt', p.appJwt);
    const ir = await irOf(policyMesh(p, jwks));
    const { files, diagnostics } = emit(ir, { listenAddress: '127.0.0.1', configDir: dir });
    expect(diagnostics).toEqual([]);
    writeFiles(files, dir);
    await startHaproxy(join(dir, 'guarded.cfg'), p.admin);
  });
  afterAll(cleanup);

  it('denies what a deny Filter matches, admits what an allow Filter matches, refuses the rest', async () => {
    expect((await request(url(p.sidecar, '/ok'))).status).toBe(200);
    expect((await request(url(p.sidecar, '/ok/deeper?x=1'))).status).toBe(200);
    expect((await request(url(p.sidecar, '/admin/users'))).status).toBe(403); // deny wins over the allow
    expect((await request(url(p.sidecar, '/okay'))).status).toBe(403); // not /ok, not /ok/*: default deny
    expect((await request(url(p.sidecar, '/ok'), { method: 'POST' })).status).toBe(403); // methods: [GET]
  });

  it('refuses a path that is not normal (400) before any Filter reads it: no deny is slipped past, no allow escaped', async () => {
    for (const raw of ['/ok//../admin/users', '/admin//users', '/ok/../admin/users', '/ok/./x', '/ok/%2e%2e/admin/users', '/ok/.%2E/admin', '/ok/..', '//ok']) {
      expect((await request(url(p.sidecar, '/'), { rawPath: raw })).status, raw).toBe(400);
    }
    // Dots inside a segment are ordinary characters.
    expect((await request(url(p.sidecar, '/'), { rawPath: '/ok/a..b/.well' })).status).toBe(200);
  });

  it("lets callers' health checks through (GET of the service's healthCheck path), as Envoy does: past the default deny and the JWT", async () => {
    expect((await request(url(p.sidecar, '/healthz'))).status).toBe(200); // no allow Filter names it
    expect((await request(url(p.sidecar, '/healthz'), { method: 'POST' })).status).toBe(403);
    expect((await request(url(p.sidecar, '/healthz/x'))).status).toBe(403);
    expect((await request(url(p.sidecarJwt, '/healthz'))).status).toBe(200); // no token
    expect((await request(url(p.sidecarJwt, '/'))).status).toBe(401);
  });

  it('answers 429 past the rate limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await request(url(p.sidecarLimited, `/r${i}`))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('checks JWTs: signature, alg, issuer, audience, expiry', async () => {
    const now = Math.floor(Date.now() / 1000);
    const iss = "https://issuer.example.com/'q'";
    const call = async (token?: string): Promise<number> =>
      (await request(url(p.sidecarJwt, '/'), token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await call(jwt(key, { iss, aud: 'shop', exp: now + 600 }))).toBe(200);
    expect(await call(jwt(key, { iss, aud: ['x', "other'aud#%[src]"], exp: now + 600 }))).toBe(200);
    expect(await call(jwt(key, { iss, aud: 'shop' }))).toBe(200); // exp is optional
    expect(await call()).toBe(401);
    expect(await call('not.a.token')).toBe(401);
    expect(await call(jwt(otherKey, { iss, aud: 'shop', exp: now + 600 }))).toBe(401);
    expect(await call(jwt(key, { iss: 'https://issuer.example.com/', aud: 'shop', exp: now + 600 }))).toBe(401);
    expect(await call(jwt(key, { iss, aud: 'elsewhere', exp: now + 600 }))).toBe(401);
    expect(await call(jwt(key, { iss, exp: now + 600 }))).toBe(401);
    expect(await call(jwt(key, { iss, aud: 'shop', exp: now - 10 }))).toBe(401);
    expect(await call(jwt(key, { iss, aud: 'shop', nbf: now + 600 }))).toBe(401);
    // An HS256 token "signed" with the public key must not pass (algorithm pinned).
    expect(await call(jwt(key, { iss, aud: 'shop' }, 'HS256'))).toBe(401);
  });
});
