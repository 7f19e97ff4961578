/**
 * Schema validation of source documents (placeholder until the ajv-based validator lands): passes
 * every document through as a resource.
 * @module
 */
import type { Diagnostic } from '../diagnostics/types.js';
import type { LocatedResource, SourceDocument } from '../dsl/source.js';
import type { Resource } from '../dsl/types.js';

/** Validates documents against the generated schema; returns the valid ones as typed resources. */
export function validateDocuments(docs: readonly SourceDocument[]): { resources: LocatedResource[]; diagnostics: Diagnostic[] } {
  return { resources: docs.map((doc) => ({ resource: doc.value as Resource, doc })), diagnostics: [] };
}
