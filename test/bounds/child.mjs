// Runs the compiled CLI (dist/src/cli/main.js) with the given arguments, like bin/meshc.js, and
// reports its peak memory and CPU time on stderr at exit as `MESHC-BOUNDS {json}`.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const started = process.hrtime.bigint();
process.on('exit', () => {
  const u = process.resourceUsage();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stderr.write(`\nMESHC-BOUNDS ${JSON.stringify({ maxRssKiB: u.maxRSS, cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000), wallMs: Math.round(ms) })}\n`);
});
process.argv = [process.argv[0], 'meshc', ...process.argv.slice(2)];
await import(pathToFileURL(resolve('dist/src/cli/main.js')).href);
