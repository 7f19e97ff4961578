/**
 * Injection cases known to break, each reported to its owner (/work/helpers/requests/reliability.md)
 * and kept as a regression fixture (fixtures/regressions/injection-*). A known case that stops
 * breaking fails the suite, so that it is removed here once fixed.
 * @module
 */
import type { CaseResult } from './harness.js';

/** Known broken cases: fields × hostile values, and the targets whose problems they explain. */
export interface KnownIssue {
  fields: string[];
  hostile: string[];
  targets: string[];
  owner: string;
  note: string;
  /** For random hostile strings (`hostile: 'random'`): values of the same kind. */
  pattern?: RegExp;
}

export const KNOWN_INJECTION: KnownIssue[] = [];

/** The known issue that explains a broken case (every problem of it is in a known target), if any. */
export function knownIssue(r: CaseResult): KnownIssue | undefined {
  return KNOWN_INJECTION.find(
    (k) =>
      k.fields.includes(r.field) &&
      (k.hostile.includes(r.hostile) || (r.hostile === 'random' && k.pattern?.test(r.value) === true)) &&
      r.problems.every((p) => k.targets.includes(p.target)),
  );
}
