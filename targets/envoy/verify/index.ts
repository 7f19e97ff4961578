/**
 * The Envoy target's verifier: every emitted bootstrap, checked against Envoy's own v3 API
 * definitions and validation rules (see `check.ts`) and against what Envoy refuses at start-up
 * beyond them (see `semantic.ts`).
 * @module
 */
import { makeDiagnostic } from '../../../src/diagnostics/bag.js';
import type { Diagnostic } from '../../../src/diagnostics/types.js';
import type { OutputFile } from '../../../src/target/types.js';
import { EnvoyCodes } from '../codes.js';
import { envoyApi } from './api.js';
import { MessageChecker, type VerifyProblem } from './check.js';
import { checkSemantics } from './semantic.js';
import { parseYamlTree } from './yaml-tree.js';

export type { VerifyProblem } from './check.js';

/** The root message every emitted file is checked against. */
export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/**
 * Checks one file's text as an Envoy bootstrap (or as `typeName`). Returns every problem found.
 * The first call loads Envoy's API (about half a second); later calls reuse it.
 */
export function verifyEnvoyYaml(file: string, text: string, typeName: string = BOOTSTRAP_TYPE): VerifyProblem[] {
  const api = envoyApi();
  const yf = parseYamlTree(text);
  const checker = new MessageChecker(api, file, yf);
  if (yf.errors.length > 0) {
    for (const e of yf.errors) checker.report(EnvoyCodes.InvalidYaml, e.off, '', { detail: e.message });
    return checker.problems;
  }
  if (!yf.root) {
    checker.report(EnvoyCodes.InvalidYaml, 0, '', { detail: 'the file is empty' });
    return checker.problems;
  }
  const norm = checker.checkRoot(typeName, yf.root);
  if (norm && typeName === BOOTSTRAP_TYPE) checkSemantics(norm, checker);
  return checker.problems;
}

/** Turns a problem into a diagnostic (no source span: the place is in the emitted file, named in the message). */
export function problemToDiagnostic(p: VerifyProblem): Diagnostic {
  return makeDiagnostic(p.info, undefined, p.args, { target: 'envoy' });
}

/** Verifies every `.yaml` file of the Envoy target. */
export function verifyEnvoyFiles(files: readonly OutputFile[]): { problems: VerifyProblem[]; diagnostics: Diagnostic[] } {
  const problems: VerifyProblem[] = [];
  for (const f of files) {
    if (!f.path.endsWith('.yaml')) continue;
    problems.push(...verifyEnvoyYaml(f.path, f.content));
  }
  return { problems, diagnostics: problems.map(problemToDiagnostic) };
}
