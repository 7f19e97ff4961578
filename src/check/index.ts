/**
 * The checker (placeholder).
 * @module
 */
import type { Diagnostic } from '../diagnostics/types.js';
import type { LoadResult } from '../dsl/load.js';
import type { LocatedResource } from '../dsl/source.js';
import type { CheckedMesh } from './model.js';

/** Checks resources; returns the checked mesh when it has no errors. */
export function checkMesh(_resources: readonly LocatedResource[], _load: LoadResult): { mesh?: CheckedMesh; diagnostics: Diagnostic[] } {
  return { diagnostics: [] };
}
