/**
 * The loader's reader thread (see prefetch.ts): claims the next files a batch at a time, reads
 * them, and posts each batch with its buffers transferred; never more than AHEAD_KIB ahead of the
 * loader.
 * @module
 */
import { workerData } from 'node:worker_threads';
import { AHEAD_KIB, BATCH_BYTES, BATCH_FILES, SLOT, type Batch, type BatchEntry, type ReaderInit } from './prefetch.js';
import { readBounded } from './readfile.js';

const init = workerData as ReaderInit;
const c = new Int32Array(init.control);
const n = init.paths.length;
Atomics.store(c, SLOT.started, 1);
Atomics.notify(c, SLOT.started);
for (;;) {
  for (let consumed = Atomics.load(c, SLOT.consumedKiB); Atomics.load(c, SLOT.producedKiB) - consumed > AHEAD_KIB; consumed = Atomics.load(c, SLOT.consumedKiB)) {
    Atomics.wait(c, SLOT.consumedKiB, consumed, 100);
  }
  const start = Atomics.add(c, SLOT.claim, BATCH_FILES);
  if (start >= n) break;
  const end = Math.min(start + BATCH_FILES, n);
  const entries: BatchEntry[] = [];
  const read: Buffer[] = [];
  let bytes = 0;
  let i = start;
  for (; i < end && bytes < BATCH_BYTES; i++) {
    try {
      const got = readBounded(init.paths[i]!, init.limit);
      if (Buffer.isBuffer(got)) {
        entries.push(got.length);
        read.push(got);
        bytes += got.length;
      } else entries.push(got);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      entries.push({ code: typeof e?.code === 'string' ? e.code : undefined, message: String(e?.message ?? err) });
    }
  }
  // A batch cut short by its size gives back the files it claimed and did not read.
  if (i < end) Atomics.compareExchange(c, SLOT.claim, start + BATCH_FILES, i);
  // One buffer for the batch (one allocation and one transfer, not one per file).
  const packed = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  for (const r of read) at += r.copy(packed, at);
  const kib = Math.ceil(bytes / 1024);
  const batch: Batch = { start, entries, bytes: packed.buffer as ArrayBuffer, kib };
  init.port.postMessage(batch, [batch.bytes]);
  Atomics.add(c, SLOT.producedKiB, kib);
  Atomics.add(c, SLOT.posted, 1);
  Atomics.notify(c, SLOT.posted);
}
