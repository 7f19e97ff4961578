/**
 * `haproxy -c -f` on every emitted config. The configs name absolute paths inside the proxy
 * (`/etc/meshc/haproxy/…` for maps and keys, the mesh certificates, gateway certificates); for the
 * check only, every such path is moved under a scratch root, emitted files are written there, and
 * each certificate file a config references is a placeholder (a throwaway self-signed certificate
 * and key made with openssl).
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix, dirname } from 'node:path';
import { makeDiagnostic } from '../../src/diagnostics/bag.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import type { OutputFile, VerifyContext, VerifyResult } from '../../src/target/types.js';
import { HAPROXY_CONFIG_DIR } from './build.js';
import { HaproxyCodes } from './codes.js';
import { parseLine, word } from './quote.js';

/** Keywords whose next word is a certificate-like file the check needs to exist. */
const CERT_KEYWORDS = new Set(['crt', 'ca-file', 'crl-file']);

/** Whether a program runs (`<bin> -v` exits 0). */
function runs(bin: string, args: string[]): boolean {
  const r = spawnSync(bin, args, { stdio: 'ignore', timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** Makes a throwaway certificate+key PEM (for `crt`) and its certificate alone (for `ca-file`). */
function placeholderCert(dir: string): { combined: string; cert: string } | undefined {
  const key = join(dir, 'placeholder.key');
  const crt = join(dir, 'placeholder.crt');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=meshc-verify-placeholder', '-days', '2', '-keyout', key, '-out', crt],
    { stdio: 'ignore', timeout: 20_000 },
  );
  if (r.error || r.status !== 0) return undefined;
  const cert = readFileSync(crt, 'utf8');
  return { combined: cert + readFileSync(key, 'utf8'), cert };
}

/**
 * Rewrites one config for the check: the config directory and every certificate path move under
 * `root`; placeholders are written where certificates are expected.
 */
export function rewriteForCheck(content: string, root: string, place: (path: string, kind: string) => void): string {
  const out: string[] = [];
  for (const raw of content.split('\n')) {
    let line = raw.split(HAPROXY_CONFIG_DIR + '/').join(root + HAPROXY_CONFIG_DIR + '/');
    const words = parseLine(line);
    for (let i = words.length - 2; i >= 0; i--) {
      const kw = words[i]!.value;
      if (!CERT_KEYWORDS.has(kw)) continue;
      const w = words[i + 1]!;
      if (w.value.startsWith(root + '/')) continue;
      const inRoot = root + posix.normalize('/' + w.value);
      place(inRoot, kw);
      line = line.slice(0, w.start) + word(inRoot) + line.slice(w.end);
    }
    out.push(line);
  }
  return out.join('\n');
}

/** Runs `haproxy -c -f` on one file; resolves with its exit code and output. */
function check(cfg: string, cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('haproxy', ['-c', '-f', cfg], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: String(err) });
    });
  });
}

/** Checks every `.cfg` among the files. */
export async function verifyHaproxy(files: readonly OutputFile[], ctx: VerifyContext): Promise<VerifyResult> {
  const configs = files.filter((f) => f.path.endsWith('.cfg'));
  if (configs.length === 0) return { diagnostics: [], skipped: [] };
  if (!runs('haproxy', ['-v'])) {
    return { diagnostics: [], skipped: ['haproxy is not installed (apt-get install haproxy): the HAProxy configs were not checked with haproxy -c'] };
  }
  // The root's path is written into configs unquoted inside sample expressions: keep it plain.
  let root = join(ctx.tmpDir, 'root');
  let own: string | undefined;
  if (!/^[A-Za-z0-9_.\/-]+$/.test(root)) root = own = mkdtempSync('/tmp/meshc-haproxy-check-');
  try {
    return await checkAll(files, configs, root);
  } finally {
    if (own) rmSync(own, { recursive: true, force: true });
  }
}

async function checkAll(files: readonly OutputFile[], configs: readonly OutputFile[], root: string): Promise<VerifyResult> {
  const confDir = root + HAPROXY_CONFIG_DIR;
  mkdirSync(confDir, { recursive: true });
  const pem = placeholderCert(root);
  if (!pem) {
    return { diagnostics: [], skipped: ['openssl is not installed: no placeholder certificates, so the HAProxy configs were not checked with haproxy -c'] };
  }
  for (const f of files) writeFileSync(join(confDir, posix.basename(f.path)), f.content);
  const place = (path: string, kind: string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, kind === 'crt' ? pem.combined : pem.cert);
  };
  const jobs = configs.map((f) => {
    const cfg = join(confDir, posix.basename(f.path));
    writeFileSync(cfg, rewriteForCheck(f.content, root, place));
    return { file: f.path, cfg };
  });
  const diagnostics: Diagnostic[] = [];
  const strip = (s: string): string => s.split(root).join('').trim();
  let next = 0;
  const results: { file: string; code: number; output: string }[] = [];
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const r = await check(job.cfg, root);
      results.push({ file: job.file, ...r });
    }
  };
  // One haproxy -c at a time per CPU (each takes ~0.1–0.15 s for a sidecar: it loads every certificate and map).
  await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, () => worker()));
  results.sort((a, b) => (a.file < b.file ? -1 : 1));
  for (const r of results) {
    const alerts = r.output.split('\n').filter((l) => l.includes('[ALERT]')).map(strip);
    const warnings = r.output.split('\n').filter((l) => l.includes('[WARNING]')).map(strip);
    if (r.code !== 0) {
      diagnostics.push(makeDiagnostic(HaproxyCodes.VerifyFailed, undefined, { file: r.file, detail: (alerts.join(' | ') || strip(r.output)).slice(0, 2000) }, { target: 'haproxy' }));
    } else if (warnings.length > 0) {
      diagnostics.push(makeDiagnostic(HaproxyCodes.VerifyWarning, undefined, { file: r.file, detail: warnings.join(' | ').slice(0, 2000) }, { target: 'haproxy' }));
    }
  }
  return { diagnostics, skipped: [] };
}
