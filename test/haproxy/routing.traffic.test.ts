/**
 * Real HAProxy, real traffic: the sidecar of `web` routes to `api` (v1 = servers a and b, v2 =
 * server c, Node HTTP servers on 127.0.0.1) by header, path, method, query and regex; splits 90/10;
 * retries a 503 on another server; redirects, answers directly, changes headers, rewrites, answers
 * CORS preflights, aborts (all, and a percentage); and a stopped server is taken out by health checks.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  cleanup, describeWithHaproxy, emit, freePorts, irOf, request, scratch, startHaproxy, startServer, writeFiles,
  type Echo, type RunningHaproxy, type TestServer,
} from './harness.js';
import { routingMesh, type RoutingPorts } from './fixtures.js';

describeWithHaproxy('haproxy sidecar routing with real traffic', () => {
  let ports: RoutingPorts;
  let proxy: RunningHaproxy;
  const servers: Record<string, TestServer> = {};
  let api: string;
  let hc: string;

  const get = async (path: string, opts: Parameters<typeof request>[1] = {}) => {
    const r = await request(api + path, opts);
    return { ...r, echo: r.headers['content-type'] === 'application/json' ? (JSON.parse(r.body) as Echo) : undefined };
  };

  /** `n` GETs of `prefix` + 0 … n-1, ten at a time. */
  const getMany = async (n: number, prefix: string) => {
    const out: Awaited<ReturnType<typeof get>>[] = [];
    for (let i = 0; i < n; i += 10) out.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => get(`${prefix}${i + j}`)))));
    return out;
  };

  beforeAll(async () => {
    const [admin, apiLocal, hcLocal, webApp, webSidecar, a, b, c, h1, h2] = await freePorts(10);
    ports = { admin: admin!, apiLocal: apiLocal!, hcLocal: hcLocal!, webApp: webApp!, webSidecar: webSidecar!, a: a!, b: b!, c: c!, h1: h1!, h2: h2! };
    // Server a fails /retry with 503; b and c answer everything.
    servers.a = await startServer('a', ports.a, (req, res) => {
      if (req.url?.startsWith('/retry')) {
        res.writeHead(503).end('a is unavailable');
        return true;
      }
      return false;
    });
    servers.b = await startServer('b', ports.b);
    servers.c = await startServer('c', ports.c);
    servers.h1 = await startServer('h1', ports.h1);
    servers.h2 = await startServer('h2', ports.h2);
    const ir = await irOf(routingMesh(ports));
    const dir = scratch();
    const { files, diagnostics } = emit(ir, { listenAddress: '127.0.0.1', configDir: dir });
    expect(diagnostics).toEqual([]);
    writeFiles(files, dir);
    proxy = await startHaproxy(join(dir, 'web.cfg'), ports.admin);
    api = `http://127.0.0.1:${ports.apiLocal}`;
    hc = `http://127.0.0.1:${ports.hcLocal}`;
  });
  afterAll(cleanup);

  it('routes by header, path, method, query and regex to v2, everything else to v1', async () => {
    expect((await get('/', { headers: { 'x-version': 'v2' } })).echo?.server).toBe('c');
    expect((await get('/', { headers: { 'x-version': 'v3' } })).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/v2-only')).echo?.server).toBe('c');
    expect((await get('/v2-only/x')).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/submit/1', { method: 'POST' })).echo?.server).toBe('c');
    expect((await get('/submit/1', { method: 'GET' })).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/q?x=2&canary=1')).echo?.server).toBe('c');
    expect((await get('/q?canary=10')).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/items/42')).echo?.server).toBe('c');
    expect((await get('/items/42/more')).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/anything')).echo?.server).toMatch(/^[ab]$/);
  });

  it('a match value of exactly "}" (written as a regex test, so that it cannot end the anonymous ACL) matches only itself', async () => {
    expect((await get('/', { headers: { 'x-brace': '}' } })).echo?.server).toBe('c');
    expect((await get('/', { headers: { 'x-brace': '}}' } })).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/', { headers: { 'x-brace': 'a}' } })).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/', { headers: { 'x-brace-prefix': '}rest' } })).echo?.server).toBe('c');
    expect((await get('/', { headers: { 'x-brace-prefix': 'a}' } })).echo?.server).toMatch(/^[ab]$/);
    expect((await get('/b?brace=}')).echo?.server).toBe('c');
    expect((await get('/b?brace=}}')).echo?.server).toMatch(/^[ab]$/);
  });

  it('splits 90/10 within statistical bounds over 1000 requests', async () => {
    const rs = await getMany(1000, '/split/');
    for (const r of rs) expect(r.status).toBe(200);
    const v2 = rs.filter((r) => r.echo?.server === 'c').length;
    // Binomial(1000, 0.1): mean 100, sd 9.5; ±5 sd.
    expect(v2).toBeGreaterThanOrEqual(52);
    expect(v2).toBeLessThanOrEqual(148);
  });

  it('retries a 503 on another server', async () => {
    const before = servers.a!.seen.filter((u) => u.startsWith('/retry')).length;
    for (let i = 0; i < 10; i++) {
      const r = await get(`/retry/${i}`);
      expect(r.status).toBe(200);
      expect(r.echo?.server).toBe('b');
    }
    // a was tried (and answered 503) for some of them: the retry is what made them succeed.
    expect(servers.a!.seen.filter((u) => u.startsWith('/retry')).length).toBeGreaterThan(before);
  });

  it('redirects, keeping the query when the path changes', async () => {
    const r = await get('/old/page?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`http://127.0.0.1:${ports.apiLocal}/new?x=1`);
    const r2 = await get('/old');
    expect(r2.headers.location).toBe(`http://127.0.0.1:${ports.apiLocal}/new`);
    const r3 = await get('/elsewhere?y=2');
    expect(r3.status).toBe(308);
    expect(r3.headers.location).toBe('https://other.example.com:8443/elsewhere?y=2');
  });

  it('answers directly, with the body exactly as written', async () => {
    const r = await get('/ping');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.body).toBe(`pong %[src] 'quoted' "dq" # not a comment`);
    const t = await get('/teapot');
    expect(t.status).toBe(418);
    expect(t.body).toBe('');
  });

  it('changes request headers at the backend and response headers at the client', async () => {
    const r = await get('/headers', { headers: { 'x-remove': 'secret', 'x-appended': 'one' } });
    expect(r.status).toBe(200);
    const h = r.echo!.headers;
    expect(h['x-added']).toBe('set by meshc %[src] 50%');
    expect(h['x-remove']).toBeUndefined();
    expect(h['x-appended']).toBe('one, two');
    expect(r.headers['x-resp']).toBe("r 'v'");
    expect(r.headers['x-server-name']).toBeUndefined();
    // Other rules leave headers alone.
    const plain = await get('/plain', { headers: { 'x-remove': 'kept' } });
    expect(plain.echo!.headers['x-remove']).toBe('kept');
    expect(plain.headers['x-server-name']).toMatch(/^[ab]$/);
  });

  it('rewrites the path prefix and the host', async () => {
    const r = await get('/rewrite/deep/path?q=1');
    expect(r.echo?.url).toBe('/rewritten/deep/path?q=1');
    expect(r.echo?.headers.host).toBe('rewritten.internal');
  });

  it('answers CORS preflights for allowed origins and decorates responses', async () => {
    const pre = await get('/cors/x', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' } });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(pre.headers['access-control-allow-methods']).toBe('GET, PUT');
    expect(pre.headers['access-control-allow-headers']).toBe('x-token');
    expect(pre.headers['access-control-max-age']).toBe('600');
    const simple = await get('/cors/x', { headers: { origin: 'https://app.example.com' } });
    expect(simple.echo?.server).toMatch(/^[ab]$/);
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(simple.headers['access-control-expose-headers']).toBe('x-server-name');
    const other = await get('/cors/x', { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const otherPre = await get('/cors/x', { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'PUT' } });
    expect(otherPre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('aborts with the fault status', async () => {
    const r = await get('/abort');
    expect(r.status).toBe(503);
    expect(servers.a!.seen.concat(servers.b!.seen).filter((u) => u === '/abort')).toEqual([]);
  });

  it('aborts the given percentage of requests, within statistical bounds over 1000 requests', async () => {
    const n = 1000;
    const rs = await getMany(n, '/sometimes/');
    for (const r of rs) expect([200, 502]).toContain(r.status);
    const aborted = rs.filter((r) => r.status === 502).length;
    // Binomial(1000, 0.3): mean 300, sd 14.5; ±5 sd.
    expect(aborted).toBeGreaterThanOrEqual(228);
    expect(aborted).toBeLessThanOrEqual(372);
    // An aborted request never reaches a server.
    const reached = servers.a!.seen.concat(servers.b!.seen).filter((u) => u.startsWith('/sometimes/')).length;
    expect(reached).toBe(n - aborted);
  });

  it('takes a stopped server out by health checks', async () => {
    const seenBy = async (n: number): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await request(`${hc}/x${i}`);
        out.push(r.status === 200 ? (JSON.parse(r.body) as Echo).server : `status ${r.status}`);
      }
      return out;
    };
    // Health checks time out after 100 ms and one failure marks a server down, so on a loaded
    // machine a live server can be out for a moment: wait (bounded) for a round that sees both.
    let before = new Set(await seenBy(10));
    for (let tries = 0; tries < 20 && !(before.size === 2 && before.has('h1') && before.has('h2')); tries++) {
      await new Promise((r) => setTimeout(r, 250));
      before = new Set(await seenBy(10));
    }
    expect(before).toEqual(new Set(['h1', 'h2']));
    await servers.h2!.close();
    // interval 100ms, one failure marks it down.
    await new Promise((r) => setTimeout(r, 600));
    const after = await seenBy(20);
    // h2 never answers again; h1 does (a 503 only while a loaded machine's check of h1 timed out).
    expect(after).not.toContain('h2');
    expect(after.filter((s) => s === 'h1').length).toBeGreaterThan(10);
    expect(proxy.output()).toMatch(/Server hc\.http\/s2 is DOWN/);
  });
});
