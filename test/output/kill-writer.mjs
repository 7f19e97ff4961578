// A real build's write, for the SIGKILL test: writes version 1 or 2 of a synthetic output tree
// into the directory given, through the compiled writer (dist/). Usage: node kill-writer.mjs OUT 1|2
import { writeOutput } from '../../dist/src/output/write.js';

const [out, version] = process.argv.slice(2);
const v = Number(version);
const files = [];
// Version 1: files 0..299; version 2: files 100..399 (100 removed, 200 replaced, 100 created),
// spread over directories that appear and disappear with them.
const from = v === 1 ? 0 : 100;
for (let i = from; i < from + 300; i++) {
  const dir = `d${Math.floor(i / 25)}`;
  const body = `# file ${i}, version ${v}\n` + `line ${i} ${v}\n`.repeat(64);
  files.push({ path: `${dir}/f${String(i).padStart(3, '0')}.yaml`, content: body });
}
const r = writeOutput(out, files, { inputHash: String(v).repeat(64), meshcVersion: '0.0.0-test' });
const errors = r.diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) {
  process.stderr.write(JSON.stringify(errors) + '\n');
  process.exit(1);
}
