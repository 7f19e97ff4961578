/**
 * The lowering (placeholder).
 * @module
 */
import type { CheckedMesh } from '../check/model.js';
import type { MeshIR } from './types.js';

/** Lowers a checked mesh to the IR. */
export function lowerMesh(_mesh: CheckedMesh): MeshIR {
  throw new Error('meshc bug: lowering not implemented yet');
}
