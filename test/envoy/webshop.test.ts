/**
 * The Envoy target through the whole pipeline on examples/webshop: goldens, the verifier run by
 * `--verify`, determinism, and edits of the mesh that Envoy cannot express, reported at the
 * user's line.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, verifyTargets, type CompileOptions, type CompileResult } from '../../src/compiler.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import envoy from '../../targets/envoy/index.js';
import { verifyEnvoyFiles } from '../../targets/envoy/verify/index.js';
import { expectGolden, updating } from '../helpers/golden.js';
import { where } from './ir.js';

const GOLDEN = 'test/envoy/golden/webshop';

/** Compiles a copy of examples/webshop with one file edited. */
async function compileEdited(file: string, edit: (text: string) => string, opts: Omit<CompileOptions, 'input'>): Promise<{ r: CompileResult; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-envoy-'));
  try {
    cpSync('examples/webshop', dir, { recursive: true });
    const text = edit(readFileSync(join(dir, file), 'utf8'));
    writeFileSync(join(dir, file), text);
    return { r: await compile({ ...opts, input: dir }), text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let built: CompileResult;

beforeAll(async () => {
  built = await compile({ input: 'examples/webshop', targets: ['envoy'], verify: true });
});

describe('examples/webshop', () => {
  it('compiles and verifies with no diagnostic at all', () => {
    expect(where(built.diagnostics)).toEqual([]);
  });

  it('emits a sidecar per service with a sidecar and the Envoy gateway, matching the goldens', () => {
    expect(built.files.map((f) => f.path)).toEqual([
      'envoy/cart.yaml',
      'envoy/catalog.yaml',
      'envoy/frontend.yaml',
      'envoy/gateway-api.yaml',
      'envoy/orders.yaml',
      'envoy/payments.yaml',
      'envoy/users.yaml',
    ]);
    for (const f of built.files) expectGolden(join(GOLDEN, f.path.slice('envoy/'.length)), f.content);
    const goldens = existsSync(GOLDEN) ? readdirSync(GOLDEN) : [];
    const orphans = goldens.filter((g) => !built.files.some((f) => f.path === `envoy/${g}`));
    if (updating) for (const o of orphans) rmSync(join(GOLDEN, o));
    else expect(orphans).toEqual([]);
  });

  it('passes the verifier (also run by the pipeline with verify: true, which reported nothing)', () => {
    expect(built.timings['verify:envoy']).toBeGreaterThan(0);
    const r = verifyEnvoyFiles(built.files);
    expect(r.problems.map((p) => `${p.info.code} ${p.file}:${p.line}:${p.column} ${p.path}`)).toEqual([]);
  });

  it('a broken file reaches the pipeline as an MC6xxx error of the envoy target', async () => {
    const bag = new DiagnosticBag();
    const files = built.files.map((f) => (f.path === 'envoy/frontend.yaml' ? { ...f, content: f.content.replace('lb_policy: MAGLEV', 'lb_policy: MAGLEW') } : f));
    await verifyTargets(files, [envoy], bag, {});
    expect(bag.items.map((d) => [d.code, d.severity, d.target])).toEqual([['MC6003', 'error', 'envoy']]);
    expect(bag.items[0]!.message).toMatch(/^envoy\/frontend\.yaml:\d+:\d+: static_resources\.clusters\[\d\]\.lb_policy: "MAGLEW"/);
  });

  it('is byte-identical on a second run', async () => {
    const again = await compile({ input: 'examples/webshop', targets: ['envoy'] });
    expect(again.files).toEqual(built.files);
  });

  it('the catalog sidecar enforces catalog-limit (global) with a local rate limit', () => {
    const catalog = built.files.find((f) => f.path === 'envoy/catalog.yaml')!.content;
    expect(catalog).toContain('name: meshc.ratelimit.catalog-limit');
    expect(catalog).toMatch(/max_tokens: 200\n\s+tokens_per_fill: 100\n\s+fill_interval: "1s"/);
  });

  it('a per-client limit is reported at the Filter: an error, or a warning with --allow-partial envoy', async () => {
    const edit = (t: string) => t.replace('burst: 200, by: global }', 'burst: 200, by: source-ip }');
    const strict = await compileEdited('filters/limits.yaml', edit, { targets: ['envoy'] });
    expect(strict.text).toContain('by: source-ip }');
    const line = strict.text.split('\n').indexOf('  name: catalog-limit') + 1;
    expect(where(strict.r.diagnostics)).toEqual([`MC4001@filters/limits.yaml:${line}:9`]);
    expect(strict.r.diagnostics[0]).toMatchObject({ severity: 'error', target: 'envoy' });
    expect(strict.r.diagnostics[0]!.message).toContain('a rate limit per source IP');
    expect(strict.r.files).toEqual([]);
    const partial = await compileEdited('filters/limits.yaml', edit, { targets: ['envoy'], allowPartial: ['envoy'], verify: true });
    expect(where(partial.r.diagnostics)).toEqual([`MC4001@filters/limits.yaml:${line}:9`]);
    expect(partial.r.diagnostics[0]!.severity).toBe('warning');
    expect(partial.r.files.find((f) => f.path === 'envoy/catalog.yaml')!.content).not.toContain('catalog-limit');
  });

  it('a DSL change that Envoy cannot express is reported at its line: absence of a query parameter', async () => {
    const edit = (t: string) => t.replace('headers: { x-canary: { exact: "true" } }', 'headers: { x-canary: { exact: "true" } }\n        query: { preview: { present: false } }');
    const { r, text } = await compileEdited('routes/catalog.yaml', edit, { targets: ['envoy'] });
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('query: { preview')) + 1;
    expect(where(r.diagnostics)).toEqual([`MC4001@routes/catalog.yaml:${line}:${lines[line - 1]!.indexOf('query') + 1}`]);
  });
});
