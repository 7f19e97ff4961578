/**
 * What meshc's worker threads (the loader's reader, the writer's stager) are started with.
 * @module
 */

/**
 * The parent's Node options without those a worker started from a file refuses: `--input-type`
 * (meshc run from `node --input-type=module -e …`) makes a file worker fail before it runs a line,
 * and the build would wait for it in vain. Everything else is inherited, as by default.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
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
  return out;
}
