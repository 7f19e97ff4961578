/**
 * The emitted ruleset on real packets. The test builds its own network namespaces joined by veth
 * pairs (a server host, a frontend that is in the mesh, an outsider that is not), loads the
 * ruleset of the topology fixture in the server's namespace with `nft -f`, and opens real TCP
 * connections. Everything it creates is removed in afterAll, also when a test fails.
 *
 * Needs root, `ip` and `nft`: skipped loudly without them, failing under CI.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import { mustRun, netnsUnavailable } from './env.js';

const FIXTURE = 'test/nftables/fixtures/topology';
const SERVER4 = '10.201.0.1';
const SERVER6 = 'fd00:201::1';
/** Ports the server listens on: orders' sidecar, app and admin ports, ledger, quota, bulk, archive, the gateway, an unprotected one. */
const PORTS = [15006, 8080, 15000, 7000, 7100, 7200, 7300, 8081, 9999];
/** How long a connection attempt may take before it counts as dropped. */
const DROP_MS = 1000;

const run = mustRun('nftables real-packet tests (network namespaces)', netnsUnavailable);
const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
const ns = { server: `mc-${id}-srv`, frontend: `mc-${id}-fe`, outsider: `mc-${id}-out` };
const created: string[] = [];
let server: ChildProcess | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'meshc-nft-netns-'));

function sh(args: string[], input?: string): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', input, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr || r.error}`);
  return r.stdout;
}
const inNs = (n: string, ...args: string[]): string => sh(['ip', 'netns', 'exec', n, ...args]);

/** The fixture's files, optionally changed, compiled to the ruleset text. */
async function ruleset(change: (text: string) => string = (t) => t): Promise<string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(FIXTURE)) files[f] = change(readFileSync(join(FIXTURE, f), 'utf8'));
  const r = await compileMemory(files, { targets: ['nftables'] });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const file = r.files.find((f) => f.path === 'nftables/mesh.nft');
  expect(file).toBeDefined();
  return file!.content;
}

/** Loads a ruleset in the server's namespace; returns nft's exit status. */
function load(text: string, name = 'mesh.nft'): number {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return spawnSync('ip', ['netns', 'exec', ns.server, 'nft', '-f', path], { encoding: 'utf8', timeout: 30_000 }).status ?? -1;
}
const listTable = (table: string): string => inNs(ns.server, 'nft', 'list', 'table', ...table.split(' '));

type Outcome = 'open' | 'refused' | 'timeout' | string;
const PROBE = `
const net = require('net');
const [host, port, ms] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
const done = (r) => { console.log(r); process.exit(0); };
setTimeout(() => done('timeout'), Number(ms));
s.on('data', (d) => { if (String(d).startsWith('ok')) done('open'); });
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code));
`;

/** Opens a TCP connection from a namespace: open (the server answered), refused (reset), or timeout (dropped). */
function connect(from: string, host: string, port: number, ms = DROP_MS): Promise<{ outcome: Outcome; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', from, process.execPath, '-e', PROBE, host, String(port), String(ms)], { timeout: ms + 15_000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve({ outcome: stdout.trim(), ms: performance.now() - t0 });
    });
  });
}
const outcome = async (from: string, host: string, port: number): Promise<Outcome> => (await connect(from, host, port)).outcome;

describe.runIf(run)('the ruleset on real packets', () => {
  beforeAll(async () => {
    for (const n of Object.values(ns)) {
      sh(['ip', 'netns', 'add', n]);
      created.push(n);
      inNs(n, 'ip', 'link', 'set', 'lo', 'up');
    }
    // the server's mesh addresses live on its loopback; each client has its own link and subnet
    inNs(ns.server, 'ip', 'addr', 'add', `${SERVER4}/32`, 'dev', 'lo');
    inNs(ns.server, 'ip', '-6', 'addr', 'add', `${SERVER6}/128`, 'dev', 'lo');
    for (const [i, client] of [[1, ns.frontend], [2, ns.outsider]] as const) {
      sh(['ip', '-n', ns.server, 'link', 'add', `c${i}`, 'type', 'veth', 'peer', 'name', 'up0', 'netns', client]);
      inNs(ns.server, 'ip', 'addr', 'add', `10.201.${i}.1/24`, 'dev', `c${i}`);
      inNs(ns.server, 'ip', '-6', 'addr', 'add', `fd00:201:${i}::1/64`, 'dev', `c${i}`, 'nodad');
      inNs(ns.server, 'ip', 'link', 'set', `c${i}`, 'up');
      inNs(client, 'ip', 'addr', 'add', `10.201.${i}.2/24`, 'dev', 'up0');
      inNs(client, 'ip', '-6', 'addr', 'add', `fd00:201:${i}::2/64`, 'dev', 'up0', 'nodad');
      inNs(client, 'ip', 'link', 'set', 'up0', 'up');
      inNs(client, 'ip', 'route', 'add', 'default', 'via', `10.201.${i}.1`);
      inNs(client, 'ip', '-6', 'route', 'add', 'default', 'via', `fd00:201:${i}::1`);
    }
    const listen = `
const net = require('net');
for (const port of ${JSON.stringify(PORTS)}) {
  net.createServer((s) => s.end('ok\\n')).listen({ host: '::', port, ipv6Only: false }, () => console.log('listening ' + port));
}`;
    server = spawn('ip', ['netns', 'exec', ns.server, process.execPath, '-e', listen], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let seen = 0;
      const timer = setTimeout(() => reject(new Error('the test server did not start')), 15_000);
      server!.stdout!.on('data', (d: Buffer) => {
        seen += String(d).split('listening').length - 1;
        if (seen >= PORTS.length) {
          clearTimeout(timer);
          resolve();
        }
      });
      server!.on('exit', (code) => reject(new Error(`the test server exited (${code})`)));
    });
    // the network works before any ruleset
    expect(await outcome(ns.outsider, SERVER4, 15006)).toBe('open');
    expect(await outcome(ns.frontend, SERVER6, 15006)).toBe('open');
  }, 60_000);

  afterAll(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    for (const n of created) spawnSync('ip', ['netns', 'del', n]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('loads, and loading it twice is the same as once', async () => {
    const text = await ruleset();
    expect(load(text)).toBe(0);
    const once = listTable('inet meshc');
    expect(load(text)).toBe(0);
    expect(listTable('inet meshc')).toBe(once);
    expect(inNs(ns.server, 'nft', 'list', 'tables').trim()).toBe('table inet meshc');
  }, 30_000);

  it('admits Filter sources, drops the others, keeps app ports to loopback and leaves other ports open', async () => {
    const cases: [string, string, string, number, Outcome][] = [
      ['frontend to orders (IPv4)', ns.frontend, SERVER4, 15006, 'open'],
      ['frontend to orders (IPv6)', ns.frontend, SERVER6, 15006, 'open'],
      ['outsider to orders (IPv4)', ns.outsider, SERVER4, 15006, 'timeout'],
      ['outsider to orders (IPv6)', ns.outsider, SERVER6, 15006, 'timeout'],
      ['frontend to orders app port', ns.frontend, SERVER4, 8080, 'timeout'],
      ['the host itself to orders app port', ns.server, SERVER4, 8080, 'open'],
      ['frontend to the sidecar admin port', ns.frontend, SERVER6, 15000, 'timeout'],
      ['the host itself to the sidecar admin port', ns.server, SERVER6, 15000, 'open'],
      ['frontend to ledger (allowed network)', ns.frontend, SERVER6, 7000, 'open'],
      ['outsider to ledger (deny beats allow)', ns.outsider, SERVER4, 7000, 'timeout'],
      ['outsider to ledger over IPv6 (deny beats allow)', ns.outsider, SERVER6, 7000, 'timeout'],
      ['the relay gateway to archive (from: gateway)', ns.frontend, SERVER4, 7300, 'open'],
      ['the relay gateway to archive over IPv6 (from: gateway)', ns.frontend, SERVER6, 7300, 'open'],
      ['outsider to archive (not the gateway)', ns.outsider, SERVER4, 7300, 'timeout'],
      ['frontend to the gateway (default allow)', ns.frontend, SERVER4, 8081, 'open'],
      ['outsider to the gateway (denied network)', ns.outsider, SERVER4, 8081, 'timeout'],
      ['outsider to the gateway over IPv6 (not denied)', ns.outsider, SERVER6, 8081, 'open'],
      ['outsider to an unprotected port', ns.outsider, SERVER4, 9999, 'open'],
      ['frontend to an unprotected port (IPv6)', ns.frontend, SERVER6, 9999, 'open'],
    ];
    const got = await Promise.all(cases.map(async ([what, from, host, port]) => `${what}: ${await outcome(from, host, port)}`));
    expect(got).toEqual(cases.map(([what, , , , want]) => `${what}: ${want}`));
  }, 30_000);

  it('refuses new connections past a rateLimit: per source address, and globally', async () => {
    const seq = async (steps: [string, string][], port: number): Promise<Outcome[]> => {
      const out: Outcome[] = [];
      for (const [from, host] of steps) out.push(await outcome(from, host, port));
      return out;
    };
    // quota: 2 per minute per source address
    expect(await seq([[ns.frontend, SERVER4], [ns.frontend, SERVER4], [ns.frontend, SERVER4]], 7100)).toEqual(['open', 'open', 'timeout']);
    expect(await seq([[ns.outsider, SERVER4]], 7100)).toEqual(['open']);
    // bulk: 3 per minute for the whole host, whoever asks
    expect(await seq([[ns.frontend, SERVER4], [ns.outsider, SERVER4], [ns.frontend, SERVER6], [ns.outsider, SERVER4]], 7200))
      .toEqual(['open', 'open', 'open', 'timeout']);
  }, 30_000);

  it('reloads a changed mesh atomically: the change applies, refusals become resets, a foreign table stays', async () => {
    const foreign = [
      'table inet foreign {',
      '\tset keep { type ipv4_addr; elements = { 192.0.2.99 } }',
      '\tchain in { type filter hook input priority 10; policy accept; ip saddr @keep drop; }',
      '}',
    ].join('\n');
    expect(load(foreign + '\n', 'foreign.nft')).toBe(0);
    const before = listTable('inet foreign');

    const changed = await ruleset((t) =>
      t
        .replace('nftables: { refuse: drop }', 'nftables: { refuse: reject }')
        .replace('    - service: frontend\n', '    - service: frontend\n    - cidr: 10.201.2.0/24\n'),
    );
    expect(changed).toContain('10.201.2.0/24 . 10.201.0.1 . 15006');
    expect(load(changed)).toBe(0);

    expect(await outcome(ns.outsider, SERVER4, 15006)).toBe('open');
    const refused = await connect(ns.outsider, SERVER4, 7000);
    expect(refused.outcome).toBe('refused'); // a reset (ECONNREFUSED), not a time-out
    expect(await outcome(ns.outsider, SERVER6, 15006)).toBe('refused');
    expect(listTable('inet foreign')).toBe(before);
    expect(inNs(ns.server, 'nft', 'list', 'tables').trim().split('\n').sort()).toEqual(['table inet foreign', 'table inet meshc']);
  }, 30_000);

  it('leaves the loaded ruleset untouched when a ruleset fails to load', async () => {
    const before = listTable('inet meshc');
    const broken = (await ruleset()).replace('\tchain refused {', '\tchain refused {\n\t\tbogus statement');
    expect(load(broken, 'broken.nft')).not.toBe(0);
    expect(listTable('inet meshc')).toBe(before);
  }, 30_000);
});
