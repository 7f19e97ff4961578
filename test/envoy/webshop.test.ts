/**
 * The Envoy target through the whole pipeline on examples/webshop: goldens, the verifier run by
 * `--verify`, the one feature Envoy cannot express there reported at the user's line, determinism.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompileOptions, type CompileResult } from '../../src/compiler.js';
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

let partial: CompileResult;

beforeAll(async () => {
  partial = await compile({ input: 'examples/webshop', targets: ['envoy'], allowPartial: ['envoy'], verify: true });
});

describe('examples/webshop', () => {
  it('reports exactly the per-source-IP rate limit (catalog-limit) as unsupported, at the Filter', () => {
    expect(where(partial.diagnostics)).toEqual(['MC4001@filters/limits.yaml:5:9']);
    expect(partial.diagnostics[0]).toMatchObject({ severity: 'warning', target: 'envoy' });
    expect(partial.diagnostics[0]!.message).toContain('a rate limit per source IP');
  });

  it('fails without --allow-partial envoy, and emits nothing', async () => {
    const r = await compile({ input: 'examples/webshop', targets: ['envoy'] });
    expect(where(r.diagnostics)).toEqual(['MC4001@filters/limits.yaml:5:9']);
    expect(r.diagnostics[0]!.severity).toBe('error');
    expect(r.files).toEqual([]);
  });

  it('emits a sidecar per service with a sidecar and the Envoy gateway, matching the goldens', () => {
    expect(partial.files.map((f) => f.path)).toEqual([
      'envoy/cart.yaml',
      'envoy/catalog.yaml',
      'envoy/frontend.yaml',
      'envoy/gateway-api.yaml',
      'envoy/orders.yaml',
      'envoy/payments.yaml',
      'envoy/users.yaml',
    ]);
    for (const f of partial.files) expectGolden(join(GOLDEN, f.path.slice('envoy/'.length)), f.content);
    const goldens = existsSync(GOLDEN) ? readdirSync(GOLDEN) : [];
    const orphans = goldens.filter((g) => !partial.files.some((f) => f.path === `envoy/${g}`));
    if (updating) for (const o of orphans) rmSync(join(GOLDEN, o));
    else expect(orphans).toEqual([]);
  });

  it('passes the verifier (also run by the pipeline with verify: true, which reported nothing)', () => {
    expect(partial.timings['verify:envoy']).toBeGreaterThan(0);
    const r = verifyEnvoyFiles(partial.files);
    expect(r.problems.map((p) => `${p.info.code} ${p.file}:${p.line}:${p.column} ${p.path}`)).toEqual([]);
  });

  it('is byte-identical on a second run', async () => {
    const again = await compile({ input: 'examples/webshop', targets: ['envoy'], allowPartial: ['envoy'] });
    expect(again.files).toEqual(partial.files);
  });

  it('compiles cleanly once the limit is global, and the catalog sidecar then enforces it', async () => {
    const edit = (t: string) => t.replace('burst: 200, by: source-ip }', 'burst: 200, by: global }');
    const { r, text } = await compileEdited('filters/limits.yaml', edit, { targets: ['envoy'], verify: true });
    expect(text).toContain('burst: 200, by: global }');
    expect(where(r.diagnostics)).toEqual([]);
    const catalog = r.files.find((f) => f.path === 'envoy/catalog.yaml')!.content;
    expect(catalog).toContain('name: meshc.ratelimit.catalog-limit');
    expect(catalog).toMatch(/max_tokens: 200\n\s+tokens_per_fill: 100\n\s+fill_interval: "1s"/);
  });

  it('a DSL change that Envoy cannot express is reported at its line: absence of a query parameter', async () => {
    const edit = (t: string) => t.replace('headers: { x-canary: { exact: "true" } }', 'headers: { x-canary: { exact: "true" } }\n        query: { preview: { present: false } }');
    const { r, text } = await compileEdited('routes/catalog.yaml', edit, { targets: ['envoy'], allowPartial: ['envoy'] });
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('query: { preview')) + 1;
    expect(where(r.diagnostics)).toContain(`MC4001@routes/catalog.yaml:${line}:${lines[line - 1]!.indexOf('query') + 1}`);
  });
});
