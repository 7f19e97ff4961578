/**
 * The output tree: deterministic, atomic writing with a manifest, pruning, and `--check`.
 * @module
 */
export { OutputCodes, USAGE_CODES, INTERNAL_CODES } from './codes.js';
export { unifiedDiff, unifiedHunks, diffLines, type Edit } from './diff.js';
export { buildManifest, parseManifest, serializeManifest, sha256, type Manifest, type ManifestEntry } from './manifest.js';
export { isSafeOutputPath, unsafeOutDirReason, LOCK_NAME, MANIFEST_NAME, TXN_DIR } from './paths.js';
export { beginOutput, checkOutput, OutputCheck, OutputWrite, recoverOutput, writeOutput, type CheckResult, type OutputMeta, type WriteOptions, type WriteResult } from './write.js';
