/**
 * Diagnostics are output too: messages quote user strings (an unknown kind, an apiVersion, a
 * JWKS algorithm…) and the human format prints source lines. A hostile string must not inject a
 * GitHub Actions workflow command (`::set-output`, `::add-mask`… on a line of its own), terminal
 * escape sequences, or break the JSON and SARIF documents. Every format is run through the CLI
 * in-process on files holding such strings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'meshc-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: {},
    cwd: dir,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const INJECT = 'X\n::error file=evil.yaml,line=1::pwned\n::add-mask::secret\r%0A::warning::y';
const ESC = 'X\u001b]0;owned\u0007\u001b[2J\u009b31m';

/** Meshes whose diagnostics quote hostile strings, with the YAML scalar escaped. */
const q = (s: string): string => JSON.stringify(s);
const CASES: Record<string, string> = {
  'unknown kind': `apiVersion: meshc/v1alpha1\nkind: ${q(INJECT)}\nmetadata: { name: a }\nspec: {}\n`,
  'unknown kind (escapes)': `apiVersion: meshc/v1alpha1\nkind: ${q(ESC)}\nmetadata: { name: a }\nspec: {}\n`,
  'unknown apiVersion': `apiVersion: ${q(INJECT)}\nkind: Mesh\nmetadata: { name: a }\nspec: {}\n`,
  'bad name': `apiVersion: meshc/v1alpha1\nkind: Mesh\nmetadata: { name: ${q(INJECT + ESC)} }\nspec: { namespace: ns, trustDomain: td.local }\n`,
  'unknown field': `apiVersion: meshc/v1alpha1\nkind: Mesh\nmetadata: { name: a }\nspec: { namespace: ns, trustDomain: td.local, ${q(INJECT + ESC)}: 1 }\n`,
  'raw escape in the source line': `apiVersion: meshc/v1alpha1\nkind: Mesh # \u001b[2J\u001b]0;owned\u0007\nmetadata: { name: A }\nspec: {}\n`,
};

describe('diagnostic output cannot be hijacked by user strings', () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, text);
      // GitHub Actions: every line is one workflow command; nothing the user wrote starts a line.
      const gh = await run(['check', '--format', 'github', file]);
      expect(gh.code).toBe(1);
      const lines = gh.stdout.split('\n').filter((l) => l !== '');
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) {
        // (a command elsewhere in the line is data: the runner reads commands at line starts only)
        expect(l, 'a workflow command').toMatch(/^::(error|warning|notice)( [^:]*)?::/);
      }
      expect(gh.stdout + gh.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      // Human (not a terminal, so no colour): no control characters but newlines.
      const human = await run(['check', file]);
      expect(human.code).toBe(1);
      expect(human.stdout + human.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      // JSON and SARIF: parseable documents.
      for (const format of ['json', 'sarif']) {
        const r = await run(['check', '--format', format, file]);
        expect(r.code).toBe(1);
        expect(() => JSON.parse(r.stdout), `${format} output parses`).not.toThrow();
      }
    });
  }
});
