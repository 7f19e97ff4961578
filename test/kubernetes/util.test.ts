import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { canonicalQuantity, defaultPullPolicy, probeSeconds, sortKeys, toYaml } from '../../targets/kubernetes/util.js';

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
