/**
 * Path relations shared by the loader, the output writer and the CLI.
 * @module
 */
import { isAbsolute, relative, sep } from 'node:path';

/** Whether `inner` is `outer` or below it (both absolute and normalised; `..x` is a name, not a way up). */
export function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}
