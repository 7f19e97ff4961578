/**
 * The lock that keeps two builds on one machine from writing the same output directory at once:
 * `.meshc-lock` at its root, created exclusively, holding the owner's pid, host and (on Linux) the
 * process start time, so that a lock left by a killed process — even one whose pid was reused — is
 * recognised as stale and taken over.
 * @module
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOCK_NAME } from './paths.js';

interface LockInfo {
  pid: number;
  host: string;
  start?: string;
}

/** The start time of a process (Linux: /proc/PID/stat field 22), or undefined. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function alive(info: LockInfo): boolean {
  if (info.host !== hostname()) return false; // another machine: no protection across hosts
  if (info.start !== undefined) {
    const now = startTime(info.pid);
    if (now !== undefined || process.platform === 'linux') return now === info.start;
  }
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How long an empty lock may be its owner's, being filled; older, it was left by a kill. */
const EMPTY_LOCK_MS = 2000;
/** For short waits. */
const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** A held lock. */
export interface Lock {
  /** Releases it (idempotent). */
  release(): void;
}

/**
 * Takes the lock of an output directory (which must exist). Returns the lock, the pid of the
 * live process that holds it, or the operating-system error that kept it from being created (a
 * directory that cannot be written: permission denied, a read-only file system).
 */
export function acquireLock(outDir: string): { lock: Lock } | { heldBy: number } | { failed: unknown } {
  const path = join(outDir, LOCK_NAME);
  const me: LockInfo = { pid: process.pid, host: hostname() };
  const start = startTime(process.pid);
  if (start !== undefined) me.start = start;
  // Retries (a lock taken over by another process first, an empty lock being filled) end here.
  const deadline = Date.now() + EMPTY_LOCK_MS + 1000;
  for (let attempt = 0; attempt < 5 || Date.now() < deadline; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return { failed: err };
      let info: LockInfo | undefined;
      try {
        info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
      } catch {
        info = undefined;
      }
      if (info && typeof info.pid === 'number' && info.pid !== process.pid && alive(info)) return { heldBy: info.pid };
      if (!info) {
        // Being written this very moment (its owner fills it right after creating it), or left
        // empty by a build killed in between: wait for it to fill; still empty after
        // EMPTY_LOCK_MS, it is stale and taken over.
        try {
          if (Date.now() - statSync(path).mtimeMs < EMPTY_LOCK_MS) {
            Atomics.wait(SLEEP, 0, 0, 20);
            continue;
          }
        } catch {
          continue;
        }
      }
      try {
        unlinkSync(path);
      } catch {
        /* someone else took it over first; retry */
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } catch (err) {
      // (No space left for the lock's few bytes: an empty lock of ours would block the next build for 2 s.)
      closeSync(fd);
      try {
        unlinkSync(path);
      } catch {
        /* gone already */
      }
      return { failed: err };
    }
    closeSync(fd);
    let released = false;
    return {
      lock: {
        release() {
          if (released) return;
          released = true;
          try {
            const cur = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
            if (cur.pid === me.pid && cur.host === me.host) unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      },
    };
  }
  return { heldBy: 0 };
}
