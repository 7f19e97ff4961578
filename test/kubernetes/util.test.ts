import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import YAML from 'yaml';
import { canonicalJson, canonicalQuantity, defaultPullPolicy, probeSeconds, serialise, sortKeys, toYaml } from '../../targets/kubernetes/util.js';
import { referenceJsonBytes, referenceToYaml } from './reference-yaml.js';

describe('canonicalQuantity: the API server canonical form', () => {
  const cases: [string, string][] = [
    ['250m', '250m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['2', '2'],
    ['2000', '2k'],
    ['1024', '1024'],
    ['100M', '100M'],
    ['1000k', '1M'],
    ['1500k', '1500k'],
    ['256Mi', '256Mi'],
    ['1024Mi', '1Gi'],
    ['2048Mi', '2Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Gi', '1536Mi'],
    ['1.5Mi', '1536Ki'],
    ['1Ki', '1Ki'],
    ['512', '512'],
    ['0', '0'],
    ['0.0', '0'],
    ['0.1m', '100u'],
    ['0.5Ki', '512'],
    ['1.0001', '1000100u'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => expect(canonicalQuantity(input)).toBe(want));
  }
  it('refuses what is not a quantity', () => {
    expect(canonicalQuantity('1.5.5')).toBeUndefined();
    expect(canonicalQuantity('abc')).toBeUndefined();
    expect(canonicalQuantity('-1')).toBeUndefined();
  });
});

describe('defaultPullPolicy: as the API server defaults it', () => {
  it.each([
    ['registry.example.com/catalog:1.4.2', 'IfNotPresent'],
    ['registry.example.com/catalog', 'Always'],
    ['registry.example.com:5000/catalog', 'Always'],
    ['registry.example.com:5000/catalog:2', 'IfNotPresent'],
    ['catalog:latest', 'Always'],
    ['catalog@sha256:0123', 'IfNotPresent'],
    ['haproxy:2.6', 'IfNotPresent'],
  ])('%s → %s', (image, want) => expect(defaultPullPolicy(image)).toBe(want));
});

describe('serialisation', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(JSON.stringify(sortKeys({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }))).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('quotes strings that YAML 1.1 readers (sigs.k8s.io/yaml) would turn into other types', () => {
    const v = { a: 'yes', b: 'on', c: 'NO', d: '0123', e: '1e3', f: 'null', g: '~', h: '12:30', i: 'y' };
    const text = toYaml(v);
    for (const s of Object.values(v)) expect(text).toContain(`"${s}"`);
    expect(YAML.parse(text, { version: '1.1' })).toEqual(v);
  });
  it('writes multi-line strings as block literals and round-trips them', () => {
    const v = { data: { 'envoy.yaml': 'a: 1\n  b: "x"\n\ttab\n', x: 'trailing space \nend' } };
    const text = toYaml(v);
    expect(text).toContain('envoy.yaml: |');
    expect(YAML.parse(text, { version: '1.1' })).toEqual(v);
  });
});

describe('small rules', () => {
  it('probeSeconds rounds up to whole seconds, at least 1', () => {
    expect([probeSeconds(500), probeSeconds(1000), probeSeconds(1001), probeSeconds(5000)]).toEqual([1, 1, 2, 5]);
  });
});

describe('toYaml round-trips under YAML 1.1 and 1.2 (property)', () => {
  const tricky = fc.constantFrom(
    '', ' ', 'yes', 'No', 'ON', 'off', 'y', 'N', '~', 'null', 'true', '0', '0123', '0x1f', '0o17', '0b101', '1_000', '1e3', '1E', '.5', '-1', '+1', '.inf', '.NaN',
    '12:30', '1:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '256Mi', '25%', '100m', '1.5Gi', '192.0.2.10', '10.0.0.0/8', '::/0', 'a: b', 'a:', 'a #b', '#x',
    '- x', '-x', '--config-path', '-', '*x', '&x', '!x', '|', '>', '@x', '`x', '%x', '"q"', "'q'", '{a}', '[a]', 'a,b', '? x', 'http://x/y', 'a\tb',
    'line1\nline2', 'trail\n', 'keep\n\n', 'keep3\n\n\n', '\nlead', '  indented\nx', 'x\n  indented', 'x\n\n  y\n', 'tab\n\tx', 'sp \nx ', 'cr\r\nx', 'nul\u0000x',
    '\ufeffbom\nx', 'é\nü', '😀\nx', '\u2028x\ny', 'x\n \ny', 'x\n  \n', '\n \nx', 'team\u0085ops', 'a\u2028b', 'c\u2029d', '\ufeffe', 'del\u007f', 'c1\u009b[31m',
  );
  const str = fc.oneof(tricky, fc.string(), fc.string({ unit: 'grapheme' }), fc.array(fc.oneof(tricky, fc.string()), { maxLength: 4 }).map((a) => a.join('\n')));
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, str, fc.integer(), fc.boolean(), fc.constant(null), tie('arr'), tie('obj')),
    arr: fc.array(tie('value'), { maxLength: 4 }),
    obj: fc.dictionary(str, tie('value'), { maxKeys: 4 }),
  })).value;
  it('parses back to the value (keys sorted)', () => {
    fc.assert(
      fc.property(json, (v) => {
        const text = toYaml(v);
        const want = sortKeys(v);
        expect(YAML.parse(text, { version: '1.1' })).toEqual(want);
        expect(YAML.parse(text, { version: '1.2' })).toEqual(want);
        // Nothing a YAML 1.1 reader (kubectl's) would read as a line break or drop, written raw
        // outside a literal block's own line breaks.
        expect(text).not.toMatch(/[\u0085\u2028\u2029\ufeff]/);
      }),
      { numRuns: Number(process.env.MESHC_FC_RUNS ?? 300) },
    );
  });
  it('writes what kubectl writes for common values', () => {
    expect(toYaml({ spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', args: ['-W', '--x'], resources: { limits: { memory: '256Mi' } } }] } } }, data: { 'a.cfg': 'x\ny\n' }, e: {}, l: [] })).toBe(
      'data:\n  a.cfg: |\n    x\n    y\ne: {}\nl: []\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - args:\n            - -W\n            - --x\n          name: app\n          resources:\n            limits:\n              memory: 256Mi\n',
    );
  });
});

describe('the one-pass serialiser matches the sorted-copy writer (property)', () => {
  const tricky = fc.constantFrom(
    '', ' ', 'yes', '0123', '256Mi', '12:30', 'a: b', '-x', '"q"', 'a\\b', 'a\tb', 'line1\nline2', 'trail\n', 'keep\n\n', 'keep3\n\n\n', '\nlead', '\n\nlead\n',
    'x\n\ny', 'x\n\n\ny\n', '  indented\nx', 'x\n  indented', 'tab\n\tx', 'q"\n\\b\t', 'cr\r\nx', 'nul\u0000x', '\ufeffbom\nx', 'é\nü', '😀\nx', '\ud800\nx', '\u2028x\ny',
    '\n', '\n\n', '0', '1', '17', '4294967294', '4294967295', '01', '-1', 'a', '__proto__', 'constructor',
  );
  const str = fc.oneof(tricky, fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.array(fc.oneof(tricky, fc.string()), { maxLength: 5 }).map((a) => a.join('\n')));
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, str, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant(undefined), tie('arr'), tie('obj')),
    arr: fc.array(tie('value'), { maxLength: 4 }),
    obj: fc.dictionary(str, tie('value'), { maxKeys: 5 }),
  })).value;
  it('gives the same text and the canonical JSON size', () => {
    fc.assert(
      fc.property(fc.oneof(json.filter((v) => v !== undefined), fc.dictionary(str, json, { maxKeys: 6 })), (v) => {
        const s = serialise(v, '# header\n');
        expect(s.yaml).toBe('# header\n' + referenceToYaml(v));
        expect(s.jsonBytes).toBe(referenceJsonBytes(v));
        expect(s.jsonBytes).toBe(Buffer.byteLength(canonicalJson(v)));
      }),
      { numRuns: Number(process.env.MESHC_FC_RUNS ?? 2000) },
    );
  });
  it('writes every short string over the characters that decide plain or quoted as the writer did', () => {
    const alphabet = ['a', 'e', 'E', 'y', 'N', '-', '+', '_', '/', ':', '.', '@', '=', '0', '9', '%', 'i', 'K', 'm', ' ', '#', '"', 'é'];
    const strings = [''];
    let level = [''];
    for (let n = 1; n <= 3; n++) {
      level = level.flatMap((p) => alphabet.map((c) => p + c));
      strings.push(...level);
    }
    strings.push('true', 'False', 'null', 'off', 'yes', 'e10', '-e10', '+E1_0', 'http://x', 'a://', 'a:/', 'ab:', 'é', '1.5Gi', '25%', '100m', '1e3', '0x1f');
    for (const v of strings) {
      const value = { [v === '' ? 'k' : v]: v, list: [v] };
      expect(serialise(value).yaml, JSON.stringify(v)).toBe(referenceToYaml(value));
    }
  });
  it('throws where the writer threw', () => {
    expect(() => serialise({ a: () => 1 })).toThrow('cannot serialise a function');
    expect(() => referenceToYaml({ a: () => 1 })).toThrow('cannot serialise a function');
    expect(() => serialise(undefined)).toThrow('cannot serialise a undefined');
  });
});
