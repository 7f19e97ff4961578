/**
 * The verifier: it moves absolute paths under a scratch root for the check, writes placeholder
 * certificates where configs expect them, reports what haproxy -c rejects or warns about, and says
 * when it cannot run.
 */
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import haproxy from '../../targets/haproxy/index.js';
import { rewriteForCheck } from '../../targets/haproxy/verify.js';
import { describeWithHaproxy } from './harness.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'meshc-haproxy-vt-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('rewrites the config directory and certificate paths, and nothing else', () => {
  const placed: string[] = [];
  const out = rewriteForCheck(
    [
      "    bind :443 ssl crt '/etc/tls/a b'\\''c.pem' alpn h2",
      '    http-request set-var(txn.rule) path,map_str_int(/etc/meshc/haproxy/x.map)',
      '    default-server ssl verify required ca-file /etc/meshc/certs/ca.crt crt /etc/meshc/certs/tls.crt',
      "    http-request set-header x-crt '/etc/not-a-cert'",
      "    bind :444 ssl crt ../../../etc/passwd",
    ].join('\n'),
    '/R',
    (p, kind) => placed.push(`${kind} ${p}`),
  );
  expect(out.split('\n')).toEqual([
    "    bind :443 ssl crt '/R/etc/tls/a b'\\''c.pem' alpn h2",
    '    http-request set-var(txn.rule) path,map_str_int(/R/etc/meshc/haproxy/x.map)',
    '    default-server ssl verify required ca-file /R/etc/meshc/certs/ca.crt crt /R/etc/meshc/certs/tls.crt',
    "    http-request set-header x-crt '/etc/not-a-cert'",
    '    bind :444 ssl crt /R/etc/passwd',
  ]);
  expect(placed).toEqual([
    "crt /R/etc/tls/a b'c.pem",
    'crt /R/etc/meshc/certs/tls.crt',
    'ca-file /R/etc/meshc/certs/ca.crt',
    'crt /R/etc/passwd',
  ]);
});

it('says it skipped the check when haproxy is not installed', async () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const r = await haproxy.verify!([{ path: 'haproxy/a.cfg', content: 'global\n' }], { tmpDir: tmp() });
    expect(r.diagnostics).toEqual([]);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatch(/haproxy is not installed/);
  } finally {
    process.env.PATH = path;
  }
});

describeWithHaproxy('haproxy -c in the verifier', () => {
  it('reports a config haproxy rejects (MC7001) and one it warns about (MC7002), per file', async () => {
    const dir = tmp();
    const r = await haproxy.verify!(
      [
        { path: 'haproxy/bad.cfg', content: 'frontend f\n    bind :1 ssl crt /etc/meshc/certs/tls.crt\n    no-such-directive here\n' },
        { path: 'haproxy/good.cfg', content: 'defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nfrontend f\n    bind 127.0.0.1:1 ssl crt /etc/meshc/certs/tls.crt\n' },
        { path: 'haproxy/warn.cfg', content: 'frontend f\n    mode http\n    bind 127.0.0.1:1\n' },
      ],
      { tmpDir: dir },
    );
    expect(r.skipped).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message.split(':')[0]}`)).toEqual(['MC7001 haproxy -c rejected haproxy/bad.cfg', 'MC7002 haproxy -c warned about haproxy/warn.cfg']);
    expect(r.diagnostics[0]!.message).toMatch(/no-such-directive/);
    // The scratch root stays inside tmpDir, and the messages do not name it.
    expect(existsSync(join(dir, 'root/etc/meshc/certs/tls.crt'))).toBe(true);
    expect(readFileSync(join(dir, 'root/etc/meshc/certs/tls.crt'), 'utf8')).toMatch(/PRIVATE KEY/);
    for (const d of r.diagnostics) expect(d.message).not.toContain(dir);
  });
});
