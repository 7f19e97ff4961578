/**
 * The loader's reader thread: for a large input, a worker thread opens and reads the files, in
 * order and a batch at a time, while this thread parses the ones before (on this machine, reading
 * 10,000 small files is ~0.2 s of system calls). The loader still asks for one file at a time and
 * gets exactly what reading it here would give (its bytes, its size over the limit, or the error
 * the file system gave), so nothing downstream can tell the difference.
 *
 * Nothing depends on the thread: until it has started, this thread reads the next files itself
 * (claimed one at a time from a shared counter the worker claims batches from), and if it ever
 * makes no progress for {@link STALL_MS}, it is stopped and this thread reads the rest.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { readBounded, type ReadResult } from './readfile.js';
import { startWorker } from '../util/worker.js';

/** The reader's module (compiled JavaScript only: from the TypeScript sources, files are read in this thread). */
const READER = new URL('./reader.js', import.meta.url);

/**
 * Slots of the shared control array: the next file index not yet claimed, whether the reader
 * started, how many batches it posted (what a waiting loader waits on), and KiB it produced and
 * the loader consumed (the reader stays at most {@link AHEAD_KIB} ahead).
 */
export const SLOT = { claim: 0, started: 1, posted: 2, producedKiB: 3, consumedKiB: 4, length: 5 } as const;
/** Files per batch, at most. */
export const BATCH_FILES = 64;
/** A batch ends once it holds this many bytes. */
export const BATCH_BYTES = 1 << 20;
/** How far ahead of the loader the reader may read. */
export const AHEAD_KIB = 64 * 1024;
/** The claim counter and consumption of a closed reader: beyond any file index or byte count. */
const CLOSED = 0x3fffffff;
/** A reader that posts nothing for this long is stopped, and this thread reads the rest. */
const STALL_MS = 2000;

/** What the reader thread gets. */
export interface ReaderInit {
  paths: string[];
  limit: number;
  control: SharedArrayBuffer;
  port: MessagePort;
}

/** A file's outcome in a batch: its length in its buffer, its size over the limit, or the error thrown. */
export type BatchEntry = number | { tooLarge: number } | { code: string | undefined; message: string };

/** Files `start`… in order; `bytes` holds the files that were read, one after the other. */
export interface Batch {
  start: number;
  entries: BatchEntry[];
  bytes: ArrayBuffer;
  kib: number;
}

/** Reads `paths` ahead on a worker thread; {@link read} them in order. */
export class Prefetcher {
  private readonly control: Int32Array;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private batch: Batch | undefined;
  /** Offset in the current batch's bytes of the next file read. */
  private offset = 0;
  private stopped = false;
  /** Files read in this thread (before the reader ran, or after it was stopped). */
  readHere = 0;

  private constructor(
    private readonly paths: string[],
    private readonly limit: number,
  ) {
    const shared = new SharedArrayBuffer(SLOT.length * 4);
    this.control = new Int32Array(shared);
    const ch = new MessageChannel();
    this.port = ch.port1;
    const init: ReaderInit = { paths, limit, control: shared, port: ch.port2 };
    this.worker = startWorker(READER, { workerData: init, transferList: [ch.port2] });
    this.worker.unref();
    this.worker.on('error', () => {}); // a reader that fails only stops helping (see read)
  }

  /** A reader for `paths`, or undefined when no thread can be had (then read them in this thread). */
  static start(paths: string[], limit: number): Prefetcher | undefined {
    if (!existsSync(fileURLToPath(READER))) return undefined;
    try {
      return new Prefetcher(paths, limit);
    } catch {
      return undefined;
    }
  }

  /** File `i`, as {@link readBounded} would give it; asked for in order (0, 1, 2…). Throws what reading it threw. */
  read(i: number): ReadResult {
    const c = this.control;
    let waitedSince = 0;
    for (;;) {
      const b = this.batch;
      if (b && i >= b.start && i < b.start + b.entries.length) return this.take(b, b.entries[i - b.start]!);
      // Stopped, or not started yet and not claimed by the reader: read it here.
      if (this.stopped || (Atomics.load(c, SLOT.started) === 0 && Atomics.compareExchange(c, SLOT.claim, i, i + 1) === i)) {
        this.readHere++;
        return readBounded(this.paths[i]!, this.limit);
      }
      // The reader has it (or will claim it next): its next batch.
      const posted = Atomics.load(c, SLOT.posted);
      const m = receiveMessageOnPort(this.port);
      if (m) {
        if (b) Atomics.add(c, SLOT.consumedKiB, b.kib);
        this.batch = m.message as Batch;
        this.offset = 0;
        waitedSince = 0;
        continue;
      }
      const now = Date.now();
      if (waitedSince === 0) waitedSince = now;
      else if (now - waitedSince > STALL_MS && Atomics.load(c, SLOT.started) !== 0) {
        this.close();
        continue;
      }
      Atomics.wait(c, SLOT.posted, posted, 50);
    }
  }

  private take(b: Batch, e: BatchEntry): ReadResult {
    if (typeof e === 'number') {
      const buf = Buffer.from(b.bytes, this.offset, e);
      this.offset += e;
      return buf;
    }
    if ('tooLarge' in e) return e;
    throw Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code });
  }

  /** Waits, up to `ms`, until the reader thread runs (from then on it reads every file not read yet); whether it does. For tests. */
  waitForReader(ms: number): boolean {
    Atomics.wait(this.control, SLOT.started, 0, ms);
    return Atomics.load(this.control, SLOT.started) === 1;
  }

  /** Stops the reader (every file read, or the loader stopped early); later reads happen in this thread. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.batch = undefined;
    // Far past the end: it claims nothing more (and no batch cut short can give claims back: that
    // needs the counter where its claim left it), and a reader waiting for room is let go.
    Atomics.store(this.control, SLOT.claim, CLOSED);
    Atomics.store(this.control, SLOT.consumedKiB, CLOSED);
    Atomics.notify(this.control, SLOT.consumedKiB);
    void this.worker.terminate();
    // Batches posted and not read would otherwise stay queued on the channel for the process's life.
    this.port.close();
  }
}
