/**
 * Test helpers for the HAProxy target: IR from DSL text, emission with a recording context, real
 * HAProxy processes and Node HTTP servers on 127.0.0.1 (random free ports), openssl-made
 * certificates. Every process and server started here is stopped by `cleanup()` (call it in
 * afterAll), and on process exit as a last resort.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import type { Diagnostic, DiagnosticArgs, DiagnosticInfo, Span } from '../../src/diagnostics/types.js';
import { makeDiagnostic } from '../../src/diagnostics/bag.js';
import { PipelineCodes } from '../../src/compiler.js';
import type { MeshIR } from '../../src/ir/types.js';
import type { EmitContext, OutputFile } from '../../src/target/types.js';
import { emitHaproxy, type HaproxyEmitOptions } from '../../targets/haproxy/index.js';

/** Whether a program runs. */
export function have(bin: string, args: string[] = ['-v']): boolean {
  const r = spawnSync(bin, args, { stdio: 'ignore', timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** Whether haproxy and openssl are here. */
export const HAVE_HAPROXY = have('haproxy') && have('openssl', ['version']);

/**
 * `describe` that needs haproxy (and openssl): skipped with a loud reason when they are missing,
 * failing under CI (where .ci/run installs them).
 */
export function describeWithHaproxy(name: string, fn: () => void): void {
  if (HAVE_HAPROXY) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      throw new Error('CI: haproxy and openssl must be installed for the HAProxy target tests');
    });
    return;
  }
  console.warn(`SKIPPED "${name}": haproxy or openssl is not installed (apt-get install haproxy openssl)`);
  describe.skip(name, fn);
}

/** The IR of a mesh given as files; throws with the diagnostics when it does not compile. */
export async function irOf(files: Record<string, string>): Promise<MeshIR> {
  const r = await compileMemory(files, { targets: ['ir'] });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.ir || errors.length > 0) throw new Error('fixture does not compile:\n' + r.diagnostics.map((d) => `${d.code} ${d.span?.file}:${d.span?.line}:${d.span?.column} ${d.message}`).join('\n'));
  return r.ir;
}

/** An emit context that records diagnostics. */
export function recordingContext(allowPartial = false): EmitContext & { diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  return {
    diagnostics,
    meshcVersion: '0.0.0-test',
    unsupported(feature: string, span: Span | undefined, detail?: string) {
      diagnostics.push(
        makeDiagnostic(PipelineCodes.Unsupported, span, { target: 'haproxy', feature, detail: detail ? `: ${detail}` : '' }, { severity: allowPartial ? 'warning' : 'error', target: 'haproxy' }),
      );
    },
    report(info: DiagnosticInfo, span: Span | undefined, args?: DiagnosticArgs) {
      diagnostics.push(makeDiagnostic(info, span, args, { target: 'haproxy' }));
    },
  };
}

/** Emits with a recording context. */
export function emit(ir: MeshIR, options: HaproxyEmitOptions = {}): { files: OutputFile[]; diagnostics: Diagnostic[] } {
  const ctx = recordingContext();
  const files = emitHaproxy(ir, ctx, options);
  return { files, diagnostics: ctx.diagnostics };
}

/** `code file:line:col` of each diagnostic, for exact assertions. */
export function where(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => `${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-'}`);
}

const cleanups: (() => void)[] = [];
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGKILL');
});

/** Runs every registered cleanup (processes, servers, directories), newest first. */
export async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      cleanups.pop()!();
    } catch {
      // keep cleaning
    }
  }
  await new Promise((r) => setTimeout(r, 50));
}

/** Registers something for cleanup() to undo. */
export function defer(fn: () => void): void {
  cleanups.push(fn);
}

/** A scratch directory removed by cleanup(). */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-haproxy-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A free TCP port on 127.0.0.1 (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Several distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

/** What the test servers answer: who answered and what they received. */
export interface Echo {
  server: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A Node HTTP server on 127.0.0.1 that answers with {@link Echo} JSON (or what `handler` decides). */
export interface TestServer {
  name: string;
  port: number;
  /** Requests seen, by URL. */
  seen: string[];
  close(): Promise<void>;
}

/** Starts a test server. `handler` may answer itself (return true) or leave it to the echo. */
export async function startServer(
  name: string,
  port: number,
  handler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<TestServer> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (handler && handler(req, res)) return;
      const body: Echo = { server: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      res.writeHead(200, { 'content-type': 'application/json', 'x-server-name': name });
      res.end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  let closed = false;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (closed) return resolve();
      closed = true;
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanups.push(() => void close());
  return { name, port, seen, close };
}

/** A response, read whole. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
cleanups.push(() => agent.destroy());

/** One HTTP request (keep-alive agent unless options say otherwise), bounded in time. */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; tls?: https.RequestOptions; timeoutMs?: number; rawPath?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      // (`rawPath` is sent as it is: a URL would resolve its `.` and `..` segments first.)
      { method: opts.method ?? 'GET', headers: opts.headers, agent: u.protocol === 'https:' ? false : agent, ...(opts.tls ?? {}), ...(opts.rawPath ? { path: opts.rawPath } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Writes emitted files into `dir` under their base names. */
export function writeFiles(files: readonly OutputFile[], dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, posix.basename(f.path)), f.content);
}

/** A running HAProxy. */
export interface RunningHaproxy {
  /** Its output so far (logs go to stdout). */
  output(): string;
  stop(): void;
}

/** Starts `haproxy -db -f cfg` and waits until its admin port answers /ready. */
export async function startHaproxy(cfg: string, adminPort: number): Promise<RunningHaproxy> {
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.delete(child);
  };
  cleanups.push(stop);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${out}`);
    try {
      const r = await request(`http://127.0.0.1:${adminPort}/ready`, { timeoutMs: 500 });
      if (r.status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`haproxy did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { output: () => out, stop };
}

/** Runs openssl, throwing with its output on failure. */
function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** A certificate authority made with openssl. */
export interface TestCa {
  dir: string;
  name: string;
  /** The CA certificate (PEM path). */
  cert: string;
  /** Issues a leaf certificate with a URI SAN; returns its cert and key paths (key also at `<cert>.key`). */
  issue(name: string, uri: string): { cert: string; key: string };
}

/** Makes a CA in `dir`. */
export function makeCa(dir: string, name: string): TestCa {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-days', '2', '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
  return {
    dir,
    name,
    cert: join(dir, `${name}.crt`),
    issue(leaf: string, uri: string) {
      writeFileSync(join(dir, `${leaf}.ext`), `subjectAltName=URI:${uri}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${leaf}`, '-keyout', `${leaf}.crt.key`, '-out', `${leaf}.csr`], dir);
      openssl(['x509', '-req', '-in', `${leaf}.csr`, '-CA', `${name}.crt`, '-CAkey', `${name}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${leaf}.ext`, '-out', `${leaf}.crt`], dir);
      return { cert: join(dir, `${leaf}.crt`), key: join(dir, `${leaf}.crt.key`) };
    },
  };
}
