/**
 * Running the CLI with the guarantee that no input ends in a stack trace: an exception is a meshc
 * bug, reported in one short paragraph (the stack only under MESHC_DEBUG=1), exit code 70.
 * @module
 */
import { EXIT, type CliIO } from './io.js';
import { runCli } from './program.js';

/** Prints the short report of a meshc bug. */
export function reportInternalError(err: unknown, io: Pick<CliIO, 'stderr' | 'env'>): void {
  const e = err as Error;
  const first = String(e?.message ?? err).split('\n')[0];
  let text = `meshc: internal error: ${first}\nthis is a bug in meshc, not a problem with your mesh; please report it with the input that caused it`;
  if (io.env.MESHC_DEBUG === '1') text += `\n${String(e?.stack ?? err)}`;
  else text += ' (MESHC_DEBUG=1 shows details)';
  try {
    io.stderr.write(text + '\n');
  } catch {
    /* nothing left to tell */
  }
}

/** Runs meshc; resolves to the exit code, never rejects. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    return await runCli(argv, io);
  } catch (err) {
    reportInternalError(err, io);
    return EXIT.internal;
  }
}
