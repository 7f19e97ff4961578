/**
 * The entry point that bin/meshc.js imports: runs the CLI on this process (see run.ts).
 * @module
 */
import { EXIT, processIO } from './io.js';
import { main, reportInternalError } from './run.js';

const fatal = (err: unknown) => {
  reportInternalError(err, { stderr: process.stderr, env: process.env });
  process.exit(EXIT.internal);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
// A closed pipe (`meshc schema | head -1`) is not an error of meshc.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    fatal(err);
  });
}

process.exitCode = await main(process.argv.slice(2), processIO());
