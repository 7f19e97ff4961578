/**
 * Reading one input file within the per-file limit: shared by the loader and its reader thread.
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A file's bytes, or its size when that exceeds the per-file limit (then it is not read). */
export type ReadResult = Buffer | { tooLarge: number };

/**
 * A file's bytes, read through one descriptor (open, fstat, read, close: no separate stat of the
 * path), unless it holds more than `limit` bytes: then only its size. Throws what the file system
 * says (ENOENT, EACCES…).
 */
export function readBounded(path: string, limit: number): ReadResult {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > limit) return { tooLarge: size };
    // One byte more than the size: a file that grew since fstat is read to the limit and caught below.
    const n = Math.min(size + 1, limit + 1);
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    for (let r; got < buf.length && (r = readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += r;
    return got > limit ? { tooLarge: got } : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
