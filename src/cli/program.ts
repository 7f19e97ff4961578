/**
 * The command line: a commander program that parses, hands over to the command modules, and maps
 * every outcome to an exit code (0 ok, 1 mesh errors / --strict warnings / stale --check output,
 * 2 usage errors, 70 meshc bugs). No compiler logic here; each command's module is loaded when it
 * runs, so `meshc --version` and `meshc --help` start without loading the compiler.
 * @module
 */
import { Command, CommanderError, Option } from 'commander';
import { DiagnosticBag } from '../diagnostics/bag.js';
import { FORMATS, type Format } from '../diagnostics/render/index.js';
import { OutputCodes } from '../output/codes.js';
import { targetNames } from '../target/registry.js';
import { meshcVersion } from '../util/package.js';
import { EXIT, type CliIO } from './io.js';
import { printDiagnostics } from './report.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Builds the program; `setCode` receives each command's exit code. */
function program(io: CliIO, setCode: (code: number) => void): Command {
  const formatOption = () =>
    new Option('-f, --format <format>', 'how to print diagnostics').choices([...FORMATS]).default('human');
  const targets = targetNames();
  const cmd = new Command('meshc')
    .description('Compile a typed service-mesh description into Envoy, HAProxy, nftables and Kubernetes configuration.')
    .version(meshcVersion(), '-V, --version', 'print the meshc version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => {
        /* reported as a diagnostic by runCli */
      },
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  cmd
    .command('build')
    .description('compile a mesh and write the configuration of every target into --out')
    .argument('[path]', 'mesh file or directory', '.')
    .option('-o, --out <dir>', 'output directory (meshc owns what it writes there; see meshc-manifest.json)', './out')
    .addOption(new Option('-t, --target <names>', `target(s), repeatable or comma-separated: ${targets.join(', ')}`).argParser(collect).default([], 'all but ir'))
    .option('--check', 'write nothing; exit 1 and print a diff when the output on disk is stale (the GitOps gate)')
    .option('--verify', "run each target's own checker on its output (haproxy -c, nft -c, ...)")
    .addOption(new Option('--allow-partial <target>', 'features that target cannot express become warnings instead of errors (repeatable)').argParser(collect).default([], 'none'))
    .addOption(formatOption())
    .option('--strict', 'warnings fail the build (exit 1)')
    .action(async (path: string, o: { out: string; target: string[]; check?: boolean; verify?: boolean; allowPartial: string[]; format: Format; strict?: boolean }) => {
      setCode(await (await import('./build.js')).runBuild(path, o, io));
    });

  cmd
    .command('check')
    .description('load, validate and check a mesh; write nothing')
    .argument('[path]', 'mesh file or directory', '.')
    .addOption(formatOption())
    .option('--strict', 'warnings fail the check (exit 1)')
    .action(async (path: string, o: { format: Format; strict?: boolean }) => {
      setCode(await (await import('./build.js')).runCheck(path, o, io));
    });

  cmd
    .command('schema')
    .description('print the JSON Schema of the mesh language (for editors and yaml-language-server)')
    .action(async () => {
      setCode((await import('./info.js')).runSchema(io));
    });

  cmd
    .command('explain')
    .description('explain a diagnostic code, e.g. meshc explain MC1003')
    .argument('<code>', 'a diagnostic code')
    .action(async (code: string) => {
      setCode(await (await import('./info.js')).runExplain(code, io));
    });

  cmd
    .command('targets')
    .description('list the targets with what each can express')
    .addOption(new Option('-f, --format <format>', 'human or json').choices(['human', 'json']).default('human'))
    .action(async (o: { format: 'human' | 'json' }) => {
      setCode(await (await import('./info.js')).runTargets(o.format, io));
    });

  return cmd;
}

/** Turns a commander parse error into a usage diagnostic (MC5101). */
function usageError(err: CommanderError, argv: readonly string[], io: CliIO): number {
  const lines = err.message
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const detail = lines[0] ?? 'invalid command line';
  const suggestion = lines.slice(1).join(' ').replace(/^\((.*)\)$/, '$1');
  const sub = argv.find((a) => !a.startsWith('-'));
  const command = sub && ['build', 'check', 'schema', 'explain', 'targets'].includes(sub) ? `meshc ${sub}` : 'meshc';
  const bag = new DiagnosticBag();
  const extras = suggestion ? { hint: `${suggestion.charAt(0).toLowerCase()}${suggestion.slice(1)} run \`${command} --help\`` } : {};
  bag.report(OutputCodes.Usage, undefined, { detail, command }, extras);
  printDiagnostics(io, 'human', bag.items);
  return EXIT.usage;
}

/**
 * Runs meshc with the arguments after the program name; resolves to the exit code. Throws only on
 * a meshc bug (the caller turns that into exit code 70).
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let code: number = EXIT.ok;
  const cmd = program(io, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    cmd.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await cmd.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
    if (err.code === 'commander.help') return EXIT.usage; // help shown because a command was missing
    return usageError(err, argv, io);
  }
  return code;
}
