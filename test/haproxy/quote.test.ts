/**
 * Quoting: every string a user can write arrives in HAProxy as exactly itself, whether it sits in a
 * word, a keyword argument, a log-format string or an ACL pattern. Proven twice: against this
 * target's model of the line parser (property test) and against real HAProxy, which echoes the values
 * back over HTTP.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { renderLine, fitSection, MAX_WORDS, type Line } from '../../targets/haproxy/model.js';
import { arg, lf, lfValue, parseLine, uriSanHex, word, anchored, reEscape } from '../../targets/haproxy/quote.js';
import { cleanup, describeWithHaproxy, freePorts, request, scratch, startHaproxy } from './harness.js';

/** The hostile strings every injection test uses. */
export const HOSTILE = [
  `plain`,
  `two  spaces and a tab\there`,
  `'single' "double" \`back\``,
  `# not a comment`,
  `\\ backslash \\\\ two \\n not a newline \\x41`,
  `$HOME \${HOME} $(id)`,
  `%[src] %{+Q}o %% %H %[str(x),lower]`,
  `a,b) c( ] [ { } ; | &&`,
  `-m found`,
  `--`,
  `!`,
  `if { always_true }`,
  `ünïcødé ✓`,
  `line\nbreak\r\nCRLF`,
  `ends with backslash \\`,
  `'`,
  `"`,
  `x`.repeat(2000),
];

/** Bytes HAProxy sees for a word: \xNN escapes are bytes, so compare as latin1 of the UTF-8. */
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

describe('haproxy quoting model', () => {
  it('word() is one word that parses back to the value', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }).filter((s) => !s.includes('\0')), (s) => {
        const w = word(s);
        const parsed = parseLine(`set-var ${w} tail`);
        expect(parsed.map((p) => p.value)).toEqual(['set-var', bytes(s), 'tail']);
      }),
      { numRuns: 300 },
    );
    for (const s of HOSTILE) expect(parseLine(word(s)).map((p) => p.value)).toEqual([bytes(s)]);
  });

  it('word() leaves safe words bare', () => {
    expect(word('http-request')).toBe('http-request');
    expect(word('var(txn.rule),map_str(/etc/meshc/haproxy/x.map)')).toBe('var(txn.rule),map_str(/etc/meshc/haproxy/x.map)');
    expect(word('a b')).toBe(`'a b'`);
    expect(word(`it's`)).toBe(`'it'\\''s'`);
    expect(() => word('')).toThrow(/meshc bug/);
  });

  it('arg() survives the argument parser: quotes stay balanced, separators are quoted', () => {
    for (const s of HOSTILE) {
      const a = arg(s);
      if (/[,()'"\\ \t]/.test(s)) expect(a.startsWith("'")).toBe(true);
    }
    expect(arg('x-user')).toBe('x-user');
    expect(arg('')).toBe(`''`);
  });

  it('lf() doubles % and lfValue() spells the empty string', () => {
    expect(lf('50% %[src]')).toBe('50%% %%[src]');
    expect(lfValue('')).toBe('%[str(),lower]');
  });

  it('uriSanHex() is the DER of a URI GeneralName', () => {
    expect(uriSanHex('spiffe://a/b')).toBe('860C' + Buffer.from('spiffe://a/b').toString('hex').toUpperCase());
    expect(uriSanHex('x'.repeat(200)).startsWith('8681C8')).toBe(true);
    expect(uriSanHex('x'.repeat(300)).startsWith('8682012C')).toBe(true);
  });

  it('regex helpers', () => {
    expect(anchored('a|b')).toBe('^(?:a|b)$');
    expect(reEscape('/a.b*c(d)[e]{f}+?^$|\\')).toBe('/a\\.b\\*c\\(d\\)\\[e\\]\\{f\\}\\+\\?\\^\\$\\|\\\\');
  });

  it('fitSection keeps every line within the word limit without dropping a pattern', () => {
    const patterns = Array.from({ length: 150 }, (_, i) => `10.0.${i}.0/24`);
    const line: Line = { words: ['http-request', 'deny'], cond: [[{ fetch: 'src', patterns }], [{ fetch: 'path', match: 'beg', patterns: ['/a'] }]] };
    const out = fitSection([line]);
    for (const l of out) expect(renderLine(l).split(' ').length).toBeLessThanOrEqual(MAX_WORDS);
    const acl = out.filter((l) => l.words[0] === 'acl');
    expect(acl.flatMap((l) => l.words.slice(l.words.indexOf('--') + 1))).toEqual(patterns);
    expect(renderLine(out[out.length - 1]!)).toBe('http-request deny if long1 || { path -m beg -- /a }');
  });
});

describeWithHaproxy('haproxy quoting against real HAProxy', () => {
  afterAll(cleanup);

  it('echoes every hostile value unchanged through set-var(str()), set-header (log-format) and ACL patterns', async () => {
    const [admin, port] = await freePorts(2);
    const dir = scratch();
    const values = HOSTILE.map((s) => s.replace(/[\r\n]/g, ' ')); // header values cannot hold CR/LF
    const lines: Line[] = [];
    values.forEach((v, i) => {
      lines.push({ words: ['http-request', `set-var(txn.v${i})`, `str(${arg(v)})`] });
      lines.push({ words: ['http-request', 'set-header', `x-h${i}`, lfValue(v)] });
      lines.push({ words: ['http-request', 'set-header', `x-m${i}`, 'yes'], cond: [[{ fetch: `req.fhdr(x-in${i})`, match: 'str', patterns: [v] }]] });
      lines.push({ words: ['http-request', 'set-header', `x-p${i}`, 'yes'], cond: [[{ fetch: `var(txn.v${i})`, match: 'str', patterns: [v] }]] });
    });
    const echo = values.map((_, i) => `"v${i}":"%[var(txn.v${i}),json(utf8s)]","h${i}":"%[req.fhdr(x-h${i}),json(utf8s)]","m${i}":"%[req.fhdr(x-m${i})]","p${i}":"%[req.fhdr(x-p${i})]"`).join(',');
    const cfg = [
      'global',
      '    log stdout format raw local0',
      'defaults',
      '    mode http',
      '    timeout connect 1s',
      '    timeout client 5s',
      '    timeout server 5s',
      'frontend admin',
      `    bind 127.0.0.1:${admin}`,
      '    monitor-uri /ready',
      'frontend echo',
      `    bind 127.0.0.1:${port}`,
      ...lines.map((l) => '    ' + renderLine(l)),
      '    ' + renderLine({ words: ['http-request', 'return', 'status', '200', 'content-type', 'application/json', 'lf-string', `{${echo}}`] }),
      '',
    ].join('\n');
    const file = join(dir, 'echo.cfg');
    writeFileSync(file, cfg);
    await startHaproxy(file, admin!);
    const headers: Record<string, string> = {};
    values.forEach((v, i) => {
      if (v.length < 1000) headers[`x-in${i}`] = v;
    });
    const r = await request(`http://127.0.0.1:${port}/`, { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')])) });
    expect(r.status).toBe(200);
    const got = JSON.parse(Buffer.from(r.body, 'latin1').toString('utf8')) as Record<string, string>;
    values.forEach((v, i) => {
      expect(got[`v${i}`], `str() of value ${i}`).toBe(v);
      expect(got[`h${i}`], `set-header of value ${i}`).toBe(v);
      expect(got[`p${i}`], `pattern of value ${i}`).toBe('yes');
      if (v.length < 1000) expect(got[`m${i}`], `header match of value ${i}`).toBe('yes');
    });
  });
});
