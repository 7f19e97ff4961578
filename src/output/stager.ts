/**
 * The background stager: a worker thread that plans, hashes and stages the files of one write
 * (src/output/write.ts, {@link WriteOptions.background}) while the build emits the next ones, then
 * commits it (it holds the plan: nothing per file crosses back to the build's thread). It runs the
 * same {@link Planner} and {@link Staging} as a write in the main thread, on the files the write
 * encodes into a shared ring (their UTF-8 bytes are hashed, compared and written from the ring:
 * nothing is copied or decoded here), and answers `finish` with how the write ended (the lists of
 * changed files) or `stop` with whether it made `.meshc-txn`. The stager of a `--check`
 * ({@link OutputCheck}) compares instead, stages nothing, and answers `check` with the diff.
 * It reads and checks the previous manifest itself: a bad one is reported in its answer, and
 * nothing is planned or staged. A meshc bug it meets (a path emitted twice) is answered, not
 * thrown. It never returns to its event loop: it waits on the shared control array.
 * @module
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { DiagnosticBag } from '../diagnostics/bag.js';
import type { OutputFile } from '../target/types.js';
import { txnPaths } from './txn.js';
import { checkPlanned, CONTROL, finishWrite, packFinished, Planner, previousManifest, RECORD, RING_BYTES, shower, Staging, WAKE_BYTES, type Previous, type StagerInit, type StagerReply, type StagerRequest } from './write.js';

const init = workerData as StagerInit;
const control = new Int32Array(init.control);
const ring = Buffer.from(init.ring);
const words = new Int32Array(init.ring);
const bag = new DiagnosticBag();
const staging = new Staging(txnPaths(init.outDir), bag, init.displayOut ?? init.outDir);
const shown = shower(init.outDir, { displayOut: init.displayOut });
const stage = (path: string, bytes: Uint8Array): void => {
  if (Atomics.load(control, CONTROL.cancelled) === 0) staging.stage(path, bytes);
};
/** The previous manifest (undefined: a bad one, reported) and the plan: made by {@link begin}. */
let prev: Previous | undefined = {};
let planner: Planner;
let bug: string | undefined;

/**
 * Reads the previous manifest (while a write holds its lock; a check holds none) and starts the
 * plan. A bad manifest, or one gone odd since the write looked, is reported in the answer (to a
 * stop too, as a write in the build's thread would have it), and nothing is planned or staged.
 */
function begin(): void {
  if (init.readManifest) prev = previousManifest(init.outDir, shown, bag);
  planner = new Planner(init.outDir, prev?.manifest, prev?.text, shown, init.check, init.check ? undefined : stage);
}

/** This thread's CPU time in milliseconds (Linux: /proc/thread-self/stat, in clock ticks of 10 ms), or undefined. */
function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime) are the 12th and 13th after the command name.
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

function answer(reply: StagerReply): void {
  init.reply.postMessage(reply);
  Atomics.store(control, CONTROL.replied, 1);
  Atomics.notify(control, CONTROL.replied);
}

/** The next message on the command port; the write posts it before it says so, so it is there (or about to be). */
function command(): unknown {
  for (;;) {
    const m = receiveMessageOnPort(init.commands);
    if (m) return m.message;
    Atomics.wait(control, CONTROL.replied, 0, 1);
  }
}

/** Plans one file, unless a bug was met or staging was cancelled. */
function plan(add: () => void): void {
  if (bug !== undefined || prev === undefined || Atomics.load(control, CONTROL.cancelled) !== 0) return;
  try {
    add();
  } catch (err) {
    bug = err instanceof Error ? err.message : String(err);
  }
}

/** The tail when the write was last woken, or last seen not waiting. */
let woke = 0;

/**
 * Wakes the write when it waits for room and at least {@link WAKE_BYTES} were freed since it began
 * to (or `now`). While it does not wait, the count starts again at every record.
 */
function wakeWriter(tail: number, now: boolean): void {
  if (Atomics.load(control, CONTROL.writerWaits) !== 1) {
    woke = tail;
    return;
  }
  if (now || ((tail - woke) >>> 0) >= WAKE_BYTES) {
    woke = tail;
    Atomics.notify(control, CONTROL.tail);
  }
}

/** This thread's id in the system (Linux: /proc/thread-self → <pid>/task/<tid>), or 0. */
function threadId(): number {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 && tid <= 0x7fffffff ? tid : 0;
  } catch {
    return 0;
  }
}

/** Consumes the records from `tail` up to `head`; returns the new tail. */
function consume(tail: number, head: number): number {
  while (tail !== head) {
    const pos = tail & (RING_BYTES - 1);
    const w = pos >> 2;
    const total = words[w]!;
    const kind = words[w + 1]!;
    if (kind === RECORD.file) {
      const pathBytes = words[w + 2]!;
      const contentBytes = words[w + 3]!;
      const start = pos + RECORD.header;
      const path = ring.toString('latin1', start, start + pathBytes);
      plan(() => planner.addBytes(path, ring.subarray(start + pathBytes, start + pathBytes + contentBytes)));
    } else if (kind === RECORD.big) {
      const f = command() as OutputFile;
      plan(() => planner.add(f));
    }
    tail = (tail + total) | 0;
    // The bytes are used: the write may reuse them.
    Atomics.store(control, CONTROL.tail, tail);
    wakeWriter(tail, false);
  }
  return tail;
}

/** Consumes records until the write's request, then answers it. */
function run(): void {
  begin();
  let tail = 0;
  for (;;) {
    // What the write changes at every publication and request: read before looking, so that a
    // change made after the look ends the wait below at once.
    const signal = Atomics.load(control, CONTROL.signal);
    const head = Atomics.load(control, CONTROL.head);
    if (head !== tail) {
      tail = consume(tail, head);
      continue;
    }
    // Caught up: the write may wait for room.
    wakeWriter(tail, true);
    // Every file before a request was published before it.
    if (Atomics.load(control, CONTROL.request) !== 0 && Atomics.load(control, CONTROL.head) === tail) break;
    Atomics.store(control, CONTROL.stagerWaits, 1);
    // The write wakes a waiting stager only every WAKE_BYTES (and at its request): wait a little.
    Atomics.wait(control, CONTROL.signal, signal, 50);
    Atomics.store(control, CONTROL.stagerWaits, 0);
  }
  const request = command() as StagerRequest;
  if (bug !== undefined) answer({ bug, txnReady: staging.ready });
  else if ('check' in request) {
    const checked = prev === undefined ? { stale: true, diff: '' } : checkPlanned(planner, request.check, bag, shown);
    const cpuMs = threadCpuMs();
    answer(cpuMs === undefined ? { checked, diagnostics: bag.items } : { checked, diagnostics: bag.items, cpuMs });
  }
  // A write that gave up on this stager (it started too late) has cancelled it: nothing is
  // committed. A check's stager never commits (it holds no lock).
  else if ('finish' in request && !init.check && Atomics.load(control, CONTROL.cancelled) === 0) {
    const opts = { ...init.commit, ...(init.displayOut === undefined ? {} : { displayOut: init.displayOut }) };
    const finished = packFinished(finishWrite(init.outDir, planner, staging, request.finish, opts, bag));
    const cpuMs = threadCpuMs();
    answer(cpuMs === undefined ? { finished, diagnostics: bag.items } : { finished, diagnostics: bag.items, cpuMs });
  } else answer({ stopped: { txnReady: staging.ready }, diagnostics: bag.items });
}

Atomics.store(control, CONTROL.tid, threadId());
Atomics.store(control, CONTROL.started, 1);
try {
  run();
} catch (err) {
  // A meshc bug met anywhere here is answered (once); the write throws it.
  if (Atomics.load(control, CONTROL.replied) === 0) {
    answer({ bug: `meshc bug in the background stager: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, txnReady: staging.ready });
  }
}
