/**
 * HAProxy 2.6 reads at most 64 words per line. A route rule may match on as many headers, query
 * parameters and methods as the language allows, so a rule's condition can need more: the target
 * moves tests into named ACLs (one word each in the line) until it fits, and `haproxy -c` accepts
 * the result. (It was an internal error, exit 70, for a rule matching nine headers.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { verifyHaproxy } from '../../targets/haproxy/verify.js';
import { webCallsApi } from './fixtures.js';
import { describeWithHaproxy, emit, irOf } from './harness.js';

const headers = (n: number) => Array.from({ length: n }, (_, i) => `h${i}: { exact: "v ${i}" }`).join(', ');

const mesh = (n: number) =>
  webCallsApi(
    '',
    `---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: api }
spec:
  service: api
  rules:
    - match: { headers: { ${headers(n)} }, query: { q: { exact: x }, r: { prefix: y } }, methods: [GET, POST] }
      backends: [ { service: api } ]
    - directResponse: { status: 404 }
`,
  );

describeWithHaproxy('a rule with more tests than an HAProxy line holds', () => {
  for (const n of [9, 30]) {
    it(`${n} headers, 2 query parameters and 2 methods: every test kept, each line within 64 words, haproxy -c accepts it`, async () => {
      const { files, diagnostics } = emit(await irOf(mesh(n)));
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const cfg = files.find((f) => f.path === 'haproxy/web.cfg')!.content;
      // (Words as HAProxy splits them: a quoted word may hold spaces.)
      const words = (l: string) => l.replace(/ {3}# .*$/, '').match(/(?:'[^']*'|[^\s'])+/g) ?? [];
      for (const line of cfg.split('\n')) expect(words(line).length, line).toBeLessThanOrEqual(64);
      // Every header test is there: in the rule's line or in an ACL the line names.
      const rule = cfg.split('\n').find((l) => l.includes('# rule api-0'))!;
      for (let i = 0; i < n; i++) {
        const acl = new RegExp(`acl (long\\d+) req\\.fhdr\\(h${i}\\) -m str -- 'v ${i}'`).exec(cfg);
        if (acl) expect(words(rule)).toContain(acl[1]);
        else expect(rule).toContain(`{ req.fhdr(h${i}) -m str -- 'v ${i}' }`);
      }
      const dir = mkdtempSync(join(tmpdir(), 'meshc-long-'));
      try {
        const r = await verifyHaproxy(files, { tmpDir: dir });
        expect(r.diagnostics).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
