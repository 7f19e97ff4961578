/**
 * The background stager: a worker thread that plans, hashes and stages the files of one write
 * (src/output/write.ts, {@link WriteOptions.background}) while the build emits the next ones. It
 * runs the same {@link Planner} and {@link Staging} as a write in the main thread, on batches of
 * files (their texts cloned, not shared), and answers `finish` with the settled plan or `stop` with whether it made
 * `.meshc-txn`. A meshc bug it meets (a path emitted twice) is answered, not thrown.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { DiagnosticBag } from '../diagnostics/bag.js';
import { txnPaths } from './txn.js';
import { CONTROL, Planner, settle, shower, Staging, type OutputMeta, type StagerBatch, type StagerInit, type StagerReply } from './write.js';

const init = workerData as StagerInit;
const control = new Int32Array(init.control);
const bag = new DiagnosticBag();
const staging = new Staging(txnPaths(init.outDir), bag, init.displayOut ?? init.outDir);
const planner = new Planner(init.outDir, init.prev.manifest, init.prev.text, shower(init.outDir, { displayOut: init.displayOut }), false, (path, bytes) => {
  if (Atomics.load(control, CONTROL.cancelled) === 0) staging.stage(path, bytes);
});
let bug: string | undefined;

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

function batch(b: StagerBatch): void {
  try {
    if (bug === undefined && Atomics.load(control, CONTROL.cancelled) === 0) {
      for (let i = 0; i < b.paths.length; i++) planner.add({ path: b.paths[i]!, content: b.contents[i]! });
    }
  } catch (err) {
    bug = err instanceof Error ? err.message : String(err);
  } finally {
    Atomics.sub(control, CONTROL.inFlight, b.units);
    Atomics.add(control, CONTROL.batchesDone, 1);
    Atomics.notify(control, CONTROL.batchesDone);
  }
}

Atomics.store(control, CONTROL.started, 1);

parentPort!.on('message', (m: StagerBatch | { finish: OutputMeta } | { stop: true }) => {
  if ('paths' in m) return batch(m);
  try {
    if (bug !== undefined) answer({ bug, txnReady: staging.ready });
    else if ('finish' in m) {
      const settled = settle(planner, staging, m.finish, bag);
      const cpuMs = threadCpuMs();
      answer(cpuMs === undefined ? { settled, diagnostics: bag.items } : { settled, diagnostics: bag.items, cpuMs });
    }
    else answer({ stopped: { txnReady: staging.ready } });
  } catch (err) {
    answer({ bug: `meshc bug in the background stager: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, txnReady: staging.ready });
  }
});
