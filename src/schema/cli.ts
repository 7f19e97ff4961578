/**
 * The schema on the command line.
 *
 * - `npm run schema` (this module run directly) regenerates schemas/meshc.schema.json from
 *   src/dsl/types.ts; `--check` only compares and exits 1 when the committed file is stale.
 * - `readSchemaText()` is what `meshc schema` prints: the committed schema, read from the package
 *   (compiled installs ship `schemas/`, not the TypeScript sources).
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../util/package.js';

/** Where the committed schema lives, relative to the package root. */
export const SCHEMA_FILE = 'schemas/meshc.schema.json';

/** The absolute path of the committed schema. */
export function schemaPath(): string {
  return join(packageRoot(), SCHEMA_FILE);
}

/** The committed schema's text, exactly as shipped (what `meshc schema` prints). */
export function readSchemaText(): string {
  return readFileSync(schemaPath(), 'utf8');
}

/**
 * Regenerates the committed schema (or, with `check`, only compares). Returns the process exit code.
 * Loads the generator (and with it the TypeScript compiler) only here.
 */
export async function runSchemaCommand(args: readonly string[], out: (line: string) => void = console.log): Promise<number> {
  const check = args.includes('--check');
  const { generateSchemaText } = await import('./generate.js');
  const fresh = generateSchemaText();
  let committed: string | undefined;
  try {
    committed = readSchemaText();
  } catch {
    committed = undefined;
  }
  if (check) {
    if (committed === fresh) {
      out(`${SCHEMA_FILE} is up to date`);
      return 0;
    }
    out(`${SCHEMA_FILE} is stale: run \`npm run schema\``);
    return 1;
  }
  if (committed === fresh) {
    out(`${SCHEMA_FILE} unchanged`);
    return 0;
  }
  writeFileSync(schemaPath(), fresh);
  out(`wrote ${SCHEMA_FILE}`);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (invokedDirectly) {
  runSchemaCommand(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`meshc schema generator: ${(err as Error).message ?? String(err)}`);
      process.exitCode = 70;
    },
  );
}
