/**
 * The data plane, measured with real HAProxy: does a gateway that routes R hosts and R path
 * prefixes serve requests as fast as the same gateway with one route?
 *
 * Method:
 * 1. Two meshes, generated here and built through meshc (compiler pipeline → `haproxy` target, with
 *    the target's options that bind 127.0.0.1 and load maps from a scratch directory): a Gateway
 *    `edge` (`proxy: haproxy`, one `http` listener) and K = 10 services without sidecars whose
 *    endpoint is the backend below. The large mesh has R Routes, the i-th with host
 *    `h<i>.bench.example` and one rule `prefix: /p<i>/` → service `b<i mod K>`; the small mesh has
 *    the first Route alone. Everything else (defaults, backends) is the same.
 * 2. The backend is a tiny HAProxy answering `200 ok` itself (`http-request return`), so that the
 *    backend costs little and the same in both runs.
 * 3. Load: `wrk` on loopback, 1 thread, 32 keep-alive connections, a Lua script cycling through
 *    1,000 requests prepared before the run (for the large mesh, hosts and prefixes spread over all
 *    R routes: `Host: h<i>.bench.example`, `GET /p<i>/item`), for `duration` seconds per run.
 * 4. Runs alternate small, large, small, large… (`rounds` each); each config's rate is the median of
 *    its runs. Every response must be a 200 (wrk's non-2xx count is checked, and a request for an
 *    unknown host must get 404 from both configs before the runs).
 * 5. Besides requests per second, requests per CPU second of the gateway process (its user + system
 *    time from /proc during the run): on a machine shared with other work the wall-clock rate
 *    follows whatever else runs, while the CPU a request costs the gateway is what routing changes.
 *
 * All processes bind 127.0.0.1 on ports the kernel picked, are killed at the end (also on failure)
 * and the wrk runs are bounded in time.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { compileMemory } from '../src/compiler.js';
import type { EmitContext } from '../src/target/types.js';
import { emitHaproxy } from '../targets/haproxy/index.js';

/** Options of the data-plane measurement. */
export interface DataplaneOptions {
  /** Routes (hosts and prefixes) of the large config. */
  routes: number;
  /** Seconds per wrk run. */
  duration: number;
  /** Runs per config. */
  rounds: number;
  /** Scratch directory (created). */
  dir: string;
}

/** One wrk run. */
export interface WrkRun {
  config: 'small' | 'large';
  requestsPerSec: number;
  requests: number;
  non2xx: number;
  /** CPU seconds the gateway process used during the run (user + system, all threads). */
  gatewayCpuSec: number;
  /** Requests per CPU second of the gateway: what routing costs, whatever else runs on the machine. */
  requestsPerCpuSec: number;
  load1: number;
}

/** The result: median rates of both configs and their ratio. */
export interface DataplaneResult {
  routes: number;
  smallRps: number;
  largeRps: number;
  /** largeRps / smallRps. */
  ratio: number;
  /** Median requests per gateway CPU second, and their ratio (large / small). */
  smallPerCpu: number;
  largePerCpu: number;
  cpuRatio: number;
  runs: WrkRun[];
  /** Bytes of the large gateway's map files (they hold the routes). */
  largeMapBytes: number;
  /** Lines of the two gateway .cfg files (equal: routes live in the maps). */
  cfgLines: { small: number; large: number };
}

/** Whether haproxy and wrk can run here; a reason when not. */
export function dataplaneUnavailable(): string | undefined {
  for (const [bin, args] of [['haproxy', ['-v']], ['wrk', ['--version']]] as const) {
    const r = spawnSync(bin, [...args], { stdio: 'ignore', timeout: 10_000 });
    // wrk --version exits 1 after printing its version; only a missing binary counts.
    if (r.error) return `${bin} is not installed`;
  }
  return undefined;
}

/** Services (backends) of the data-plane meshes. */
export const DATAPLANE_SERVICES = 10;
const K = DATAPLANE_SERVICES;

/**
 * The data-plane mesh with `routes` gateway Routes (host `h<i>.bench.example`, prefix `/p<i>/`,
 * backend `b<i mod 10>`), the gateway listening on `ports.gw` and the services at `ports.backend`.
 */
export function gatewayMesh(routes: number, ports: { admin: number; gw: number; backend: number }): Record<string, string> {
  const docs: string[] = [
    `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: dataplane }
spec: { namespace: dataplane, trustDomain: dataplane.local, defaultAction: allow, sidecar: { adminPort: ${ports.admin} } }`,
    `apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: haproxy
  listeners:
    - { name: http, port: ${ports.gw}, protocol: http }`,
  ];
  for (let k = 0; k < K; k++) {
    docs.push(`apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: b${k} }
spec: { sidecar: false, ports: [{ name: http, port: 80 }], endpoints: ["127.0.0.1:${ports.backend}"] }`);
  }
  const routeDocs: string[] = [];
  for (let i = 0; i < routes; i++) {
    routeDocs.push(`apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: r${i} }
spec:
  gateway: edge
  hosts: [h${i}.bench.example]
  rules: [{ match: { path: { prefix: /p${i}/ } }, backends: [{ service: b${i % K} }] }]`);
  }
  return { 'mesh.yaml': docs.join('\n---\n') + '\n', 'routes.yaml': routeDocs.join('\n---\n') + '\n' };
}

function silentContext(problems: string[]): EmitContext {
  return {
    meshcVersion: 'bench',
    unsupported: (feature, _span, detail) => void problems.push(`unsupported ${feature}${detail ? `: ${detail}` : ''}`),
    report: (info, _span, args) => void problems.push(`${info.code} ${JSON.stringify(args ?? {})}`),
  };
}

/** Builds the gateway config of a mesh with `routes` routes into `dir`; returns the .cfg path. */
async function buildGateway(routes: number, ports: { admin: number; gw: number; backend: number }, dir: string): Promise<{ cfg: string; mapBytes: number; cfgLines: number }> {
  const r = await compileMemory(gatewayMesh(routes, ports), { targets: ['ir'] });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.ir || errors.length > 0) throw new Error(`data-plane mesh does not compile: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const problems: string[] = [];
  const files = emitHaproxy(r.ir, silentContext(problems), { listenAddress: '127.0.0.1', configDir: dir });
  if (problems.length > 0) throw new Error(`haproxy target reported: ${problems.join('; ')}`);
  mkdirSync(dir, { recursive: true });
  let mapBytes = 0;
  let cfgLines = 0;
  for (const f of files) {
    writeFileSync(join(dir, basename(f.path)), f.content);
    if (f.path.endsWith('.map')) mapBytes += Buffer.byteLength(f.content);
    if (f.path === 'haproxy/gateway-edge.cfg') cfgLines = f.content.split('\n').length;
  }
  return { cfg: join(dir, 'gateway-edge.cfg'), mapBytes, cfgLines };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

function get(port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, in parentheses): utime and stime are 14th and 15th.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** USER_HZ: the unit of /proc/<pid>/stat times (100 on Linux everywhere in practice). */
const CLOCK_TICKS = 100;

/** Starts haproxy on a config and waits (bounded) until `probe` answers; returns its pid. */
async function startHaproxy(cfg: string, children: ChildProcess[], probe: () => Promise<boolean>): Promise<number> {
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${err}`);
    try {
      if (await probe()) return child.pid!;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`haproxy did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function wrkScript(path: string, routes: number): void {
  // 1,000 prepared requests spread over all routes (i = j * routes / 1000).
  const lua = `local reqs = {}
local n = 1000
local routes = ${routes}
for j = 0, n - 1 do
  local i = math.floor(j * routes / n)
  reqs[j + 1] = wrk.format("GET", "/p" .. i .. "/item", { ["Host"] = "h" .. i .. ".bench.example" })
end
local k = 0
request = function()
  k = k % n + 1
  return reqs[k]
end
`;
  writeFileSync(path, lua);
}

function runWrk(port: number, script: string, duration: number): { rps: number; requests: number; non2xx: number } {
  const r = spawnSync('wrk', ['-t1', '-c32', `-d${duration}s`, '--timeout', '2s', '-s', script, `http://127.0.0.1:${port}/`], {
    encoding: 'utf8',
    timeout: (duration + 30) * 1000,
  });
  if (r.status !== 0) throw new Error(`wrk failed (${r.status ?? r.signal}): ${r.stderr}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const total = /(\d+) requests in/.exec(r.stdout);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout);
  const errs = /Socket errors:.*/.exec(r.stdout);
  if (!rps || !total) throw new Error(`unexpected wrk output: ${r.stdout}`);
  if (errs) throw new Error(`wrk: ${errs[0]}`);
  return { rps: Number(rps[1]), requests: Number(total[1]), non2xx: non2xx ? Number(non2xx[1]) : 0 };
}

/** Runs the measurement; kills every process it started before returning or throwing. */
export async function measureDataplane(opts: DataplaneOptions): Promise<DataplaneResult> {
  const children: ChildProcess[] = [];
  const onExit = (): void => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  };
  process.on('exit', onExit);
  try {
    const [backend, adminS, gwS, adminL, gwL] = await freePorts(5);
    mkdirSync(opts.dir, { recursive: true });
    const backendCfg = join(opts.dir, 'backend.cfg');
    writeFileSync(
      backendCfg,
      `global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
frontend backend
    bind 127.0.0.1:${backend}
    http-request return status 200 content-type text/plain string ok
`,
    );
    await startHaproxy(backendCfg, children, async () => (await get(backend!, 'x', '/')) === 200);

    const small = await buildGateway(1, { admin: adminS!, gw: gwS!, backend: backend! }, join(opts.dir, 'small'));
    const large = await buildGateway(opts.routes, { admin: adminL!, gw: gwL!, backend: backend! }, join(opts.dir, 'large'));
    const configs = [
      { name: 'small' as const, port: gwS!, admin: adminS!, cfg: small.cfg, routes: 1 },
      { name: 'large' as const, port: gwL!, admin: adminL!, cfg: large.cfg, routes: opts.routes },
    ];
    const pids = new Map<string, number>();
    for (const c of configs) {
      pids.set(c.name, await startHaproxy(c.cfg, children, async () => (await get(c.admin, 'x', '/ready')) === 200));
      // Routing works: the last route answers 200, an unknown host 404, a path outside the prefix 404.
      const last = c.routes - 1;
      const ok = await get(c.port, `h${last}.bench.example`, `/p${last}/item`);
      const unknown = await get(c.port, 'nowhere.example', `/p0/item`);
      const outside = await get(c.port, `h${last}.bench.example`, `/elsewhere`);
      if (ok !== 200 || unknown !== 404 || outside !== 404) {
        throw new Error(`${c.name} gateway routes wrongly: ${ok} ${unknown} ${outside} (want 200 404 404)`);
      }
      wrkScript(join(opts.dir, `${c.name}.lua`), c.routes);
    }

    const runs: WrkRun[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      for (const c of configs) {
        const load1 = loadavg()[0]!;
        const pid = pids.get(c.name)!;
        const cpu0 = cpuSeconds(pid);
        const r = runWrk(c.port, join(opts.dir, `${c.name}.lua`), opts.duration);
        const gatewayCpuSec = cpuSeconds(pid) - cpu0;
        if (r.non2xx > 0) throw new Error(`${c.name} gateway: ${r.non2xx} responses were not 2xx`);
        runs.push({ config: c.name, requestsPerSec: r.rps, requests: r.requests, non2xx: r.non2xx, gatewayCpuSec, requestsPerCpuSec: r.requests / gatewayCpuSec, load1 });
      }
    }
    const med = (name: 'small' | 'large', of: (r: WrkRun) => number): number => {
      const v = runs.filter((r) => r.config === name).map(of).sort((a, b) => a - b);
      const mid = v.length >> 1;
      return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
    };
    const smallRps = med('small', (r) => r.requestsPerSec);
    const largeRps = med('large', (r) => r.requestsPerSec);
    const smallPerCpu = med('small', (r) => r.requestsPerCpuSec);
    const largePerCpu = med('large', (r) => r.requestsPerCpuSec);
    return {
      routes: opts.routes,
      smallRps,
      largeRps,
      ratio: largeRps / smallRps,
      smallPerCpu,
      largePerCpu,
      cpuRatio: largePerCpu / smallPerCpu,
      runs,
      largeMapBytes: large.mapBytes,
      cfgLines: { small: small.cfgLines, large: large.cfgLines },
    };
  } finally {
    for (const c of children) await stop(c);
    process.off('exit', onExit);
  }
}
