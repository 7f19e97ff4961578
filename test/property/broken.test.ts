/**
 * Broken input: random mutations of valid meshes (truncation, inserted characters and bytes,
 * deleted, duplicated and re-indented lines, values replaced by values of other types, deleted
 * keys, wrong kinds, missing files, documents moved between files) never make meshc throw or
 * crash a target. Every error it reports has a position inside an input file, except the few
 * that belong to no file (no Mesh at all, no input).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import { targetNames } from '../../src/target/registry.js';
import { meshArb } from '../arbitraries/mesh.js';
import { mutate, mutationArb } from './mutate.js';
import { count, params, report, timeout } from './runs.js';

const TARGETS = targetNames();
/** Diagnostics that belong to the whole input, not to a place in it (no input, no Mesh, the count of errors past the first 1,000). */
export const GLOBAL_CODES = new Set(['MC1002', 'MC3002', 'MC4005']);

afterAll(() => report('broken.test.ts'));

/** Problems with the diagnostics of a build of `files`: missing or impossible positions, crashes. */
export async function positionProblems(files: Record<string, string>): Promise<{ problems: string[]; errors: number }> {
  const problems: string[] = [];
  let r;
  try {
    r = await compileMemory(files, { targets: TARGETS, allowPartial: TARGETS });
  } catch (err) {
    return { problems: [`compileMemory threw: ${String((err as Error)?.stack ?? err)}`], errors: 0 };
  }
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  for (const d of r.diagnostics) {
    if (d.code === 'MC4004') problems.push(`a target crashed: ${d.message}`);
    if (d.severity !== 'error') continue;
    if (!d.span) {
      if (!GLOBAL_CODES.has(d.code)) problems.push(`${d.code} has no position: ${d.message}`);
      continue;
    }
    const text = files[d.span.file];
    if (text === undefined) {
      problems.push(`${d.code} points at ${d.span.file}, not an input file`);
      continue;
    }
    const lines = text.split('\n');
    const { line, column, endLine, endColumn } = d.span;
    if (!(line >= 1 && line <= lines.length && column >= 1 && column <= lines[line - 1]!.length + 1)) {
      problems.push(`${d.code} at ${d.span.file}:${line}:${column} is outside the file (${lines.length} lines): ${d.message}`);
    }
    if (endLine < line || (endLine === line && endColumn < column)) problems.push(`${d.code} ends before it starts at ${d.span.file}:${line}:${column}`);
  }
  return { problems, errors: errors.length };
}

describe('broken input', () => {
  it('mutated meshes give positioned diagnostics and never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(meshArb(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (m, mutations) => {
        const files = mutate(m.files, mutations);
        const { problems, errors } = await positionProblems(files);
        expect(problems).toEqual([]);
        count('mutations give positioned diagnostics');
        count('mutations give positioned diagnostics', errors > 0 ? 'refused' : 'still valid');
        for (const mu of mutations) count('mutations give positioned diagnostics', `mutation ${mu.kind}`);
      }),
      params('mutations give positioned diagnostics', 250),
    );
  }, timeout(120_000));
});
