/**
 * The schema on the command line.
 *
 * - `npm run schema` (this module run directly) regenerates schemas/meshc.schema.json from
 *   src/dsl/types.ts, and the precompiled validator schemas/meshc.validate.cjs from that schema;
 *   `--check` only compares and exits 1 when a committed file is stale.
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

/** The generated files, freshly made: relative path → content. */
export async function generateSchemaFiles(): Promise<Record<string, string>> {
  // Loaded only here: the generator pulls in the TypeScript compiler, the validator code ajv's
  // code generator.
  const { generateSchemaText } = await import('./generate.js');
  const { generateValidatorCode, VALIDATOR_FILE } = await import('./standalone.js');
  const schema = generateSchemaText();
  return { [SCHEMA_FILE]: schema, [VALIDATOR_FILE]: generateValidatorCode(schema) };
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Regenerates the committed files (or, with `--check`, only compares). Returns the process exit
 * code.
 */
export async function runSchemaCommand(args: readonly string[], out: (line: string) => void = console.log): Promise<number> {
  const check = args.includes('--check');
  const files = await generateSchemaFiles();
  let stale = 0;
  for (const [file, fresh] of Object.entries(files)) {
    const abs = join(packageRoot(), file);
    const committed = readOrUndefined(abs);
    if (committed === fresh) {
      out(`${file} is up to date`);
    } else if (check) {
      out(`${file} is stale: run \`npm run schema\``);
      stale++;
    } else {
      writeFileSync(abs, fresh);
      out(`wrote ${file}`);
    }
  }
  return stale > 0 ? 1 : 0;
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
