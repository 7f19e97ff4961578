/**
 * The whole CLI on broken input: `node bin/meshc.js check` (the compiled program, as users run it)
 * on mutated meshes written to disk — plus bytes that only files can hold (invalid UTF-8, NUL, a
 * BOM, CRLF line ends) — exits 1 exactly when there are errors, prints every positioned error as
 * `file:line:column` exactly as the library reports it, and never prints a stack trace. Needs `npx tsc -p tsconfig.json` first
 * (`npm test` runs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler.js';
import { meshArb } from '../arbitraries/mesh.js';
import { mutate, mutationArb } from './mutate.js';
import { count, params, report, timeout } from './runs.js';

const BIN = 'bin/meshc.js';
const COMPILED = 'dist/src/cli/main.js';
const dir = mkdtempSync(join(tmpdir(), 'meshc-cli-fuzz-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  report('cli.test.ts');
});

/** Byte-level damage that in-memory compilation cannot express. */
const bytesArb = fc.constantFrom<[string, Buffer]>(
  ['invalid utf-8', Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a])],
  ['nul byte', Buffer.from('kind: Mesh\u0000\n')],
  ['bom', Buffer.from('\ufeffapiVersion: meshc/v1alpha1\nkind: Mesh\n')],
  ['crlf', Buffer.from('apiVersion: meshc/v1alpha1\r\nkind: Service\r\nmetadata: { name: a }\r\nspec: {}\r\n')],
  ['lone cr', Buffer.from('apiVersion: meshc/v1alpha1\rkind: Route\r')],
  ['escape sequence', Buffer.from('apiVersion: meshc/v1alpha1\nkind: "\u001b[2J\u001b]0;pwned\u0007"\n')],
  ['nothing', Buffer.from('')],
);

const STACK = /^\s+at .*(\(|:\d+:\d+)|node:internal|TypeError|RangeError|ReferenceError|SyntaxError: /m;

let k = 0;
async function runCase(files: Record<string, string>, extra?: [string, Buffer]): Promise<void> {
  const root = join(dir, `case-${k++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  mkdirSync(root, { recursive: true });
  if (extra) writeFileSync(join(root, 'zz-extra.yaml'), extra[1]);
  const inProcess = await compile({ input: root, checkOnly: true });
  const r = spawnSync(process.execPath, [BIN, 'check', root], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', MESHC_DEBUG: '' } });
  const out = `${r.stdout}\n${r.stderr}`;
  expect(r.error, 'the CLI ran').toBeUndefined();
  expect(out, 'no stack trace').not.toMatch(STACK);
  const errors = inProcess.diagnostics.filter((d) => d.severity === 'error');
  expect(r.status, out.slice(0, 2000)).toBe(errors.length > 0 ? 1 : 0);
  if (extra && !['bom', 'nothing', 'crlf'].includes(extra[0])) expect(errors.length, `${extra[0]} is an error`).toBeGreaterThan(0);
  for (const d of inProcess.diagnostics.filter((x) => x.severity === 'error' && x.span)) {
    expect(out, `${d.code} ${d.message}`).toContain(`${d.span!.file}:${d.span!.line}:${d.span!.column}`);
  }
  count('cli on mutations', extra ? `bytes: ${extra[0]}` : 'mutations');
  count('cli on mutations', `exit ${r.status}`);
}

describe('the CLI on broken input', () => {
  it('exits 1 with positions and no stack trace', async () => {
    expect(existsSync(COMPILED), `${COMPILED} is missing: run \`npx tsc -p tsconfig.json\` (npm test does)`).toBe(true);
    await fc.assert(
      fc.asyncProperty(meshArb(), fc.array(mutationArb, { minLength: 1, maxLength: 2 }), fc.option(bytesArb, { nil: undefined }), async (m, mutations, extra) => {
        await runCase(mutate(m.files, mutations), extra);
      }),
      params('cli on mutations', 10),
    );
  }, timeout(120_000));
});
