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
  for (let attempt = 0; attempt < 5; attempt++) {
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
        // Being written this very moment, or left empty by a kill: wait for a fresh one to fill.
        try {
          if (Date.now() - statSync(path).mtimeMs < 2000) return { heldBy: 0 };
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
