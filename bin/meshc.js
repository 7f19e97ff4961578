#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` via the prepare script).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('meshc: the compiled program is missing; run `npm install` (or `npm run build`) first\n');
    process.exit(70);
  }
  throw err;
});
