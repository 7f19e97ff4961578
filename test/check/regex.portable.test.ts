/**
 * MC3025's promise, against the real engines: every regular expression the checker accepts
 * compiles in RE2 (Envoy's engine, through the Envoy verifier's re2-wasm) and in
 * HAProxy's PCRE2 (`haproxy -c` of a config that matches with each one, anchored as the HAProxy
 * target writes it). Expressions are built from the tokens where JavaScript, RE2 and PCRE2 differ.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { regexProblem } from '../../src/check/values.js';
import { re2Problem } from '../../targets/envoy/verify/semantic.js';
import { anchored, word } from '../../targets/haproxy/quote.js';
import { describeWithHaproxy } from '../haproxy/harness.js';


const TOKENS = [
  'a', 'b', 'é', '.', '/', '-', ':', ',', '^', '$', '|', '*', '+', '?', '(', ')', '(?:', '[', ']', '[^', '{', '}', '{2}', '{1,3}', '{0,1000}', '{1001}', '{2,}',
  '{10}', '{30}', '{40}', '{101}', '{1,63}', '{1,127}', '\\v', '[\\\\-\\d]', '[a-z\\-\\d]',
  '\\d', '\\w', '\\s', '\\D', '\\b', '\\.', '\\-', '\\/', '\\[', '\\]', '\\\\', '\\x41', '\\x4', '\\0', '\\é', '\\a', '\\q', '\\n', '\\t',
  '[:alpha:]', '[[:alpha:]]', '[.a.]', '[=a=]', '[[.a.]]', '[.]', '[:]', '[]', '[^]', '[\\w-.]', '[-\\w.]', '[a-z]', '[\\d-z]', '(?i)', '(?P<n>', '(?<n>', '(?=', '\\1',
];
const regexes = fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 8 }).map((t) => t.join(''));

it('every regular expression the checker accepts compiles in RE2', () => {
  let accepted = 0;
  fc.assert(
    fc.property(regexes, (re) => {
      if (regexProblem(re) !== undefined) return;
      accepted++;
      expect(re2Problem(re), re).toBeUndefined();
    }),
    { numRuns: Math.min(Number(process.env.MESHC_FC_RUNS ?? 4000), 50_000) },
  );
  // The generator reaches both sides of the line.
  expect(accepted).toBeGreaterThan(200);
});

describeWithHaproxy('every regular expression the checker accepts compiles in HAProxy', () => {
  it('haproxy -c accepts a config matching with each (anchored as the target writes it)', () => {
    const list = [...new Set(fc.sample(regexes, { numRuns: 6000, seed: 20261205 }).filter((re) => regexProblem(re) === undefined))].slice(0, 2000);
    expect(list.length).toBeGreaterThan(200);
    const dir = mkdtempSync(join(tmpdir(), 'meshc-regex-'));
    try {
      const acls = list.map((re, i) => `    http-request deny if { req.hdr(x-a) -m reg -- ${word(anchored(re))} } # ${i}`);
      const cfg = ['defaults', '    mode http', '    timeout client 1s', '    timeout server 1s', '    timeout connect 1s', 'frontend f', '    bind 127.0.0.1:8080', ...acls, ''].join('\n');
      writeFileSync(join(dir, 'h.cfg'), cfg);
      const r = spawnSync('haproxy', ['-c', '-f', join(dir, 'h.cfg')], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${r.stdout}\n${r.stderr}`.slice(0, 4000)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
