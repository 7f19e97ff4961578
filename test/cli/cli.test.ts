/**
 * The CLI in-process: commands, formats and exit codes (0 ok, 1 mesh errors / --strict warnings /
 * stale --check, 2 usage errors, 70 meshc bugs).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/run.js';
import { inconsistencies, snapshot, tempDir } from '../output/helpers.js';
import { meshc } from './harness.js';
import { generateMesh } from '../../bench/generate.js';

const webshop = join(process.cwd(), 'examples', 'webshop');
let tmp: { dir: string; cleanup: () => void };
/** A mesh whose only problem is a YAML syntax error at 4:1. */
let broken: string;
/** A valid mesh with one warning (a shadowed route rule, MC3018). */
let warns: string;

beforeAll(() => {
  tmp = tempDir('meshc-cli-');
  broken = join(tmp.dir, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'svc.yaml'), 'apiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: a\nspec: {}\n');
  warns = join(tmp.dir, 'warns');
  mkdirSync(warns);
  writeFileSync(
    join(warns, 'mesh.yaml'),
    `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: m }
spec: { namespace: ns, trustDomain: td.local }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: a }
spec:
  ports: [ { name: http, port: 8080 } ]
  workload: { image: a:1 }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: r }
spec:
  service: a
  rules:
    - match: { path: { prefix: /api } }
      backends: [ { service: a } ]
    - name: v2
      match: { path: { prefix: /api/v2 }, methods: [GET] }
      backends: [ { service: a } ]
`,
  );
});
afterAll(() => tmp.cleanup());

describe('usage errors exit 2 with an MC5101 diagnostic', () => {
  it.each([
    [['bild'], "unknown command 'bild'", 'did you mean build?'],
    [['build', '--frobnicate'], "unknown option '--frobnicate'", 'run `meshc build --help`'],
    [['build', '--format', 'xml'], "argument 'xml' is invalid", 'run `meshc build --help`'],
    [['explain'], "missing required argument 'code'", 'run `meshc explain --help`'],
    [['check', 'a', 'b'], 'too many arguments', 'run `meshc check --help`'],
    [['build', '--out'], "option '-o, --out <dir>' argument missing", 'run `meshc build --help`'],
  ])('%j', async (args, message, hint) => {
    const r = await meshc(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^meshc: error MC5101: /);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`hint: ${hint}`);
  });

  it('no command: help on stderr, exit 2; --help and --version: exit 0', async () => {
    const none = await meshc([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: meshc');
    const help = await meshc(['build', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--allow-partial <target>');
    const v = await meshc(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('an unknown target (MC4002) and an unsafe --out (MC5001) are usage errors', async () => {
    const t = await meshc(['build', webshop, '--target', 'ir,nginx', '--out', join(tmp.dir, 'o')]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('error MC4002: unknown target "nginx"');
    for (const out of [webshop, join(webshop, '..'), '/']) {
      const r = await meshc(['build', webshop, '--out', out, '--target', 'ir']);
      expect(r.code, out).toBe(2);
      expect(r.stderr).toContain('error MC5001: refusing to write output to');
    }
    const holds = await meshc(['build', webshop, '--out', join(webshop, 'services'), '--target', 'ir']);
    expect(holds.code).toBe(2);
    expect(holds.stderr).toMatch(/error MC5001: refusing to write output to .*services: it holds mesh files \(cart\.yaml\)/);
    const f = await meshc(['build', join(webshop, 'mesh.yaml'), '--out', webshop, '--target', 'ir']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('it is the input directory');
  });
});

describe('meshc check', () => {
  it('exit 0 on a good mesh, 1 on a broken one, with the diagnostic at its position in every format', async () => {
    const ok = await meshc(['check', webshop]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/checked \(\d+ files, no problems\)/);
    const cwd = tmp.dir;
    const human = await meshc(['check', 'broken'], { cwd });
    expect(human.code).toBe(1);
    expect(human.stderr.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(/^broken\/svc\.yaml:4:1: error MC1003: YAML syntax error: /),
      ' 4 | spec: {}',
      '   | ^',
    ]);
    const json = JSON.parse((await meshc(['check', 'broken', '--format', 'json'], { cwd })).stdout);
    expect(json.diagnostics.map((d: any) => [d.code, d.span.path, d.span.line, d.span.column])).toEqual([['MC1003', 'broken/svc.yaml', 4, 1]]);
    const sarif = JSON.parse((await meshc(['check', 'broken/svc.yaml', '--format', 'sarif'], { cwd })).stdout);
    // The rules are the whole catalog, target codes included, whatever the command.
    expect(sarif.runs[0].tool.driver.rules.some((r: { id: string }) => r.id >= 'MC6000')).toBe(true);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'broken/svc.yaml' },
      region: { startLine: 4, startColumn: 1, endLine: 4, endColumn: 2 },
    });
    const gh = await meshc(['check', 'broken', '--format', 'github'], { cwd });
    expect(gh.code).toBe(1);
    expect(gh.stdout).toMatch(/^::error file=broken\/svc\.yaml,line=4,col=1,endLine=4,endColumn=2,title=MC1003::YAML syntax error/);
  });

  it('warnings pass, and fail under --strict', async () => {
    const r = await meshc(['check', warns]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning MC3018');
    expect((await meshc(['check', warns, '--strict'])).code).toBe(1);
  });

  it('colours only on a TTY without NO_COLOR, or with FORCE_COLOR', async () => {
    const cwd = tmp.dir;
    expect((await meshc(['check', 'broken'], { cwd, tty: true })).stderr).toContain('\u001b[');
    expect((await meshc(['check', 'broken'], { cwd, tty: true, env: { NO_COLOR: '1' } })).stderr).not.toContain('\u001b[');
    expect((await meshc(['check', 'broken'], { cwd, env: { FORCE_COLOR: '1' } })).stderr).toContain('\u001b[');
    expect((await meshc(['check', 'broken'], { cwd })).stderr).not.toContain('\u001b[');
  });
});

describe('meshc build', () => {
  it('writes the ir target with a manifest; --check is clean, then stale with a diff and exit 1', async () => {
    const out = join(tmp.dir, 'ir-out');
    const b = await meshc(['build', webshop, '--target', 'ir', '--out', out]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('1 created');
    expect(inconsistencies(out)).toEqual([]);
    expect(Object.keys(snapshot(out))).toEqual(['ir/mesh.json', 'meshc-manifest.json']);
    const again = await meshc(['build', webshop, '--target', 'ir', '--out', out]);
    expect(again.stderr).toContain('0 created, 0 updated, 0 removed, 1 unchanged');
    const c = await meshc(['build', webshop, '--target', 'ir', '--out', out, '--check']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('');
    expect(c.stderr).toContain('is up to date (1 file, targets: ir)');
    const mesh = join(out, 'ir', 'mesh.json');
    writeFileSync(mesh, readFileSync(mesh, 'utf8').replace('"irVersion"', '"irVersionX"'));
    const rel = relative(process.cwd(), out);
    const stale = await meshc(['build', webshop, '--target', 'ir', '--out', rel, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`error MC5010: ${rel}/ir/mesh.json is out of date: content differs`);
    // The patch's paths: as shown, or relative to --out when it is outside the working directory.
    const patched = rel.startsWith('..') ? 'ir/mesh.json' : `${rel}/ir/mesh.json`;
    expect(stale.stdout).toMatch(new RegExp(`^diff --git a/${patched} b/${patched}\n--- a/`));
    expect(stale.stdout).toContain('\n-  "irVersionX": 1,\n+  "irVersion": 1,\n');
    // JSON format: the report on stdout, the diff on stderr.
    const sj = await meshc(['build', webshop, '--target', 'ir', '--out', out, '--check', '--format', 'json']);
    expect(sj.code).toBe(1);
    expect(JSON.parse(sj.stdout).diagnostics.map((d: any) => d.code)).toEqual(['MC5010']);
    expect(sj.stderr).toContain('diff --git');
  });

  it('--check of a tree where more than 1,000 files differ: 1,000 errors shown, MC4005 for the rest, the summary counts them all, exit 1', async () => {
    const mesh = join(tmp.dir, 'many');
    generateMesh(mesh, 120);
    const out = join(tmp.dir, 'many-out');
    expect((await meshc(['build', mesh, '--out', out])).code).toBe(0);
    // A renamed namespace changes nearly every file.
    const meshFile = join(mesh, 'mesh.yaml');
    writeFileSync(meshFile, readFileSync(meshFile, 'utf8').replace('namespace: bench,', 'namespace: bench2,'));
    const c = await meshc(['build', mesh, '--out', out, '--check', '--format', 'json']);
    expect(c.code).toBe(1);
    const report = JSON.parse(c.stdout) as { diagnostics: { code: string; message: string }[]; summary: { errors: number } };
    const counts: Record<string, number> = {};
    for (const d of report.diagnostics) counts[d.code] = (counts[d.code] ?? 0) + 1;
    expect(counts).toEqual({ MC5010: 1000, MC4005: 1 });
    const more = Number(/^(\d+) more errors not shown/.exec(report.diagnostics.find((d) => d.code === 'MC4005')!.message)![1]);
    expect(more).toBeGreaterThan(100);
    expect(report.summary.errors).toBe(1000 + more);
    expect(c.stderr).toContain('diff --git');
    const human = await meshc(['build', mesh, '--out', out, '--check']);
    expect(human.stderr.trimEnd().split('\n').at(-1)).toBe(`${report.summary.errors} errors`);
  });

  it('a mesh with errors writes nothing and exits 1; --strict fails on warnings and writes nothing', async () => {
    const out = join(tmp.dir, 'never');
    const r = await meshc(['build', broken, '--out', out, '--target', 'ir']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error MC1003');
    const w = await meshc(['build', warns, '--out', out, '--target', 'ir', '--strict']);
    expect(w.code).toBe(1);
    expect(w.stderr).toContain('warning MC3018');
    expect(() => readFileSync(join(out, 'meshc-manifest.json'))).toThrow();
    // The files emitted before --strict failed went only to the staging directory, now gone.
    expect(existsSync(out)).toBe(false);
    const ok = await meshc(['build', warns, '--out', out, '--target', 'ir']);
    expect(ok.code).toBe(0);
  });

  it('an error in a later target (files of earlier ones already staged) leaves the previous tree exactly, or no tree', async () => {
    const out = join(tmp.dir, 'emit-error');
    // The webshop without its allowPartial: HAProxy cannot mirror requests (MC4001).
    const mesh = join(tmp.dir, 'webshop-strict');
    cpSync(webshop, mesh, { recursive: true });
    writeFileSync(join(mesh, 'mesh.yaml'), readFileSync(join(mesh, 'mesh.yaml'), 'utf8').replace('allowPartial: [haproxy]', 'allowPartial: []'));
    const first = await meshc(['build', mesh, '--out', out, '--target', 'envoy']);
    expect(first.code, first.stderr).toBe(0);
    writeFileSync(join(out, 'NOTES.md'), 'mine\n');
    const before = snapshot(out);
    // The error comes after every Envoy file was emitted (and staged).
    const r = await meshc(['build', mesh, '--out', out, '--target', 'envoy,haproxy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error MC4001');
    expect(snapshot(out)).toEqual(before);
    expect(existsSync(join(out, '.meshc-txn'))).toBe(false);
    expect(existsSync(join(out, '.meshc-lock'))).toBe(false);
    const fresh = join(tmp.dir, 'emit-error-fresh');
    expect((await meshc(['build', mesh, '--out', fresh, '--target', 'envoy,haproxy'])).code).toBe(1);
    expect(existsSync(fresh)).toBe(false);
  });

  it('refuses to overwrite a foreign file: exit 1, nothing written', async () => {
    const out = join(tmp.dir, 'foreign');
    mkdirSync(join(out, 'ir'), { recursive: true });
    writeFileSync(join(out, 'ir', 'mesh.json'), '{"mine": true}\n');
    const r = await meshc(['build', webshop, '--out', out, '--target', 'ir']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error MC5002');
    expect(snapshot(out)).toEqual({ 'ir/mesh.json': '{"mine": true}\n' });
  });
});

describe('informational commands', () => {
  it('explain prints a catalog entry (core and target codes); an unknown code exits 2 with a suggestion', async () => {
    const e = await meshc(['explain', 'mc1003']);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^MC1003 \(error\): YAML syntax error\n\n/);
    expect(e.stdout).toContain('\nhint: ');
    const mine = await meshc(['explain', 'MC5001']);
    expect(mine.stdout).toContain('MC5001 (error): Unsafe output directory');
    const codes = (await import('../../src/diagnostics/catalog.js')).allCodes().map((c) => c.code);
    const targetCode = codes.find((c) => c >= 'MC6000');
    expect(targetCode, 'target catalogs are loaded').toBeDefined();
    expect((await meshc(['explain', targetCode!])).code).toBe(0);
    const u = await meshc(['explain', 'MC1OO3']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('error MC5102: unknown diagnostic code "MC1OO3"');
    expect(u.stderr).toContain('did you mean MC1003?');
  });

  it('targets lists every target with description and capabilities; schema prints the JSON Schema', async () => {
    const t = await meshc(['targets', '--format', 'json']);
    expect(t.code).toBe(0);
    const list = JSON.parse(t.stdout) as { name: string; description: string; capabilities: string[] }[];
    expect(list.map((x) => x.name)).toContain('ir');
    for (const x of list) expect(x.description.length).toBeGreaterThan(0);
    const h = await meshc(['targets']);
    expect(h.stdout).toMatch(/^envoy\s+\S/m);
    const s = await meshc(['schema']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).$schema).toMatch(/json-schema\.org/);
  });
});

describe('internal errors', () => {
  it('an exception is exit 70 with a short report; the stack only under MESHC_DEBUG=1', async () => {
    const boom = () => {
      throw new Error('boom\nsecond line');
    };
    let stderr = '';
    const io = { stdout: { write: boom }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: process.cwd() };
    expect(await main(['schema'], io)).toBe(70);
    expect(stderr).toBe('meshc: internal error: boom\nthis is a bug in meshc, not a problem with your mesh; please report it with the input that caused it (MESHC_DEBUG=1 shows details)\n');
    stderr = '';
    expect(await main(['schema'], { ...io, env: { MESHC_DEBUG: '1' } })).toBe(70);
    expect(stderr).toMatch(/\n\s+at /);
  });
});
