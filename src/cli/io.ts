/**
 * What a command needs from the process: streams, environment, working directory. Passed in so that
 * the CLI can be run in-process by tests.
 * @module
 */

/** An output stream. */
export interface OutStream {
  write(text: string): unknown;
  /** Whether it is a terminal (colour is only used on one). */
  isTTY?: boolean;
}

/** The process as the CLI sees it. */
export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths on the command line are resolved against it. */
  cwd: string;
}

/** The real process. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Exit codes. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** Errors in the mesh, warnings under --strict, or stale output under --check. */
  failed: 1,
  /** The command line is wrong (unknown option or command, bad value, unsafe --out, unknown code). */
  usage: 2,
  /** A bug in meshc (an exception). */
  internal: 70,
} as const;
