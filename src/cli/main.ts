/**
 * The entry point that bin/meshc.js imports. Runs the CLI on the process and makes sure no input
 * ever ends in a stack trace: an exception is a meshc bug, reported in one short paragraph (the
 * stack only under MESHC_DEBUG=1) with exit code 70.
 * @module
 */
import { EXIT, processIO } from './io.js';
import { runCli } from './program.js';

function internalError(err: unknown): void {
  const e = err as Error;
  const first = String(e?.message ?? err).split('\n')[0];
  let text = `meshc: internal error: ${first}\nthis is a bug in meshc, not a problem with your mesh; please report it with the input that caused it`;
  if (process.env.MESHC_DEBUG === '1') text += `\n${String(e?.stack ?? err)}`;
  else text += ' (set MESHC_DEBUG=1 for details)';
  try {
    process.stderr.write(text + '\n');
  } catch {
    /* nothing left to tell */
  }
  process.exitCode = EXIT.internal;
}

process.on('uncaughtException', (err) => {
  internalError(err);
  process.exit(EXIT.internal);
});
process.on('unhandledRejection', (err) => {
  internalError(err);
  process.exit(EXIT.internal);
});
// A closed pipe (`meshc schema | head -1`) is not an error of meshc.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    internalError(err);
    process.exit(EXIT.internal);
  });
}

try {
  process.exitCode = await runCli(process.argv.slice(2), processIO());
} catch (err) {
  internalError(err);
}
