/**
 * The informational commands: `meshc explain CODE`, `meshc targets`, `meshc schema`.
 * @module
 */
import { allCodes, lookupCode } from '../diagnostics/catalog.js';
import { DiagnosticBag } from '../diagnostics/bag.js';
import { OutputCodes } from '../output/codes.js';
import { readSchemaText } from '../schema/cli.js';
import { loadTargets } from '../target/registry.js';
import { closest } from '../util/strings.js';
import { EXIT, type CliIO } from './io.js';
import { printDiagnostics } from './report.js';
import '../compiler.js'; // registers the catalogs of every stage

/** `meshc explain CODE`: prints a catalog entry. Unknown code → MC5102, exit 2. */
export async function runExplain(code: string, io: CliIO): Promise<number> {
  await loadTargets(); // target catalogs register when their modules load
  const info = lookupCode(code.trim());
  if (!info) {
    const bag = new DiagnosticBag();
    const near = closest(code.trim().toUpperCase(), allCodes().map((c) => c.code));
    bag.report(OutputCodes.UnknownCode, undefined, { code, suggestion: near ? `did you mean ${near}? ` : '' });
    printDiagnostics(io, 'human', bag.items);
    return EXIT.usage;
  }
  let text = `${info.code} (${info.severity}): ${info.title}\n\n${info.doc}\n\nmessage: ${info.message}\n`;
  if (info.hint) text += `hint: ${info.hint}\n`;
  io.stdout.write(text);
  return EXIT.ok;
}

/** `meshc targets`: every target with its description and capabilities. */
export async function runTargets(format: 'human' | 'json', io: CliIO): Promise<number> {
  const targets = await loadTargets();
  if (format === 'json') {
    const list = targets.map((t) => ({ name: t.name, description: t.description, capabilities: [...t.capabilities] }));
    io.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return EXIT.ok;
  }
  const width = Math.max(0, ...targets.map((t) => t.name.length));
  let text = '';
  for (const t of targets) {
    text += `${t.name.padEnd(width)}  ${t.description}${t.name === 'ir' ? ' (not built unless asked for)' : ''}\n`;
    for (const c of t.capabilities) text += `${' '.repeat(width)}    - ${c}\n`;
  }
  io.stdout.write(text);
  return EXIT.ok;
}

/** `meshc schema`: the JSON Schema of the language, for editors. */
export function runSchema(io: CliIO): number {
  io.stdout.write(readSchemaText());
  return EXIT.ok;
}
