/**
 * Starting meshc's worker threads (the loader's reader, the writer's stager).
 * @module
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The parent's Node options without `--input-type`, or undefined when it has none (the worker
 * then inherits them all, as by default). A worker started from a file refuses `--input-type`
 * (meshc run from `node --input-type=module -e …`): it fails before it runs a line, and the
 * build would wait for it in vain.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--input-type') {
      i++; // and its value
      continue;
    }
    if (a.startsWith('--input-type=')) continue;
    out.push(a);
  }
  return out.length === argv.length ? undefined : out;
}

/**
 * `new Worker(url, options)` with {@link workerExecArgv}. Options are passed explicitly only when
 * `--input-type` must go: Node checks explicit options, and refuses V8 and process-wide ones
 * (`--expose-gc`, `--max-old-space-size`) that it accepts when inherited — then the worker gets
 * none.
 */
export function startWorker(url: URL, options: WorkerOptions): Worker {
  const execArgv = workerExecArgv();
  if (execArgv === undefined) return new Worker(url, options);
  try {
    return new Worker(url, { ...options, execArgv });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(url, { ...options, execArgv: [] });
  }
}
