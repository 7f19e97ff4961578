import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { LoadCodes } from '../../src/dsl/codes.js';
import {
  escapeData,
  escapeProperty,
  render,
  renderGithub,
  renderHuman,
  renderJson,
  shouldColor,
  terminalSafe,
  toSarif,
} from '../../src/diagnostics/render/index.js';

const services = ['kind: Service', 'metadata:', '  name: cart', 'spec:', '  ports: [http]', ''].join('\n');

const dup: Diagnostic = {
  code: 'MC3001',
  severity: 'error',
  message: 'duplicate Service name "cart"',
  span: { file: 'services/cart.yaml', line: 3, column: 9, endLine: 3, endColumn: 13 },
  related: [{ span: { file: 'services/a.yaml', line: 1, column: 7, endLine: 1, endColumn: 11 }, message: 'first declared here' }],
  hint: 'rename one of them',
};
const warn: Diagnostic = {
  code: 'MC1010',
  severity: 'warning',
  message: 'something odd',
  span: { file: 'mesh.yaml', line: 2, column: 1, endLine: 2, endColumn: 5 },
};
const global: Diagnostic = { code: 'MC4002', severity: 'error', message: 'unknown target "x"', hint: 'targets: ir' };
const sources = { 'services/cart.yaml': services, 'services/a.yaml': 'name: cart\n', 'mesh.yaml': 'a: 1\nbbbbbb\n' };

describe('human renderer', () => {
  it('prints location, code frame, hint, related notes and a summary, sorted', () => {
    const out = renderHuman([dup, global, warn], { root: 'examples/shop', sources });
    expect(out).toBe(
      [
        'meshc: error MC4002: unknown target "x"',
        'hint: targets: ir',
        '',
        'examples/shop/mesh.yaml:2:1: warning MC1010: something odd',
        ' 2 | bbbbbb',
        '   | ^^^^',
        '',
        'examples/shop/services/cart.yaml:3:9: error MC3001: duplicate Service name "cart"',
        ' 3 |   name: cart',
        '   |         ^^^^',
        'hint: rename one of them',
        'examples/shop/services/a.yaml:1:7: note: first declared here',
        ' 1 | name: cart',
        '   |       ^^^^',
        '',
        '2 errors, 1 warning',
        '',
      ].join('\n'),
    );
  });

  it('joins the root as typed: "." and "./x" give clean relative paths; no sources → no frame', () => {
    expect(renderHuman([warn], { root: '.' }).split('\n')[0]).toBe('mesh.yaml:2:1: warning MC1010: something odd');
    expect(renderHuman([warn], { root: './m/' }).split('\n')[0]).toBe('m/mesh.yaml:2:1: warning MC1010: something odd');
    expect(renderHuman([warn], { root: '/abs/m' }).split('\n')[1]).toBe('');
  });

  it('de-duplicates identical diagnostics', () => {
    const out = renderHuman([warn, { ...warn }, warn]);
    expect(out.match(/MC1010/g)).toHaveLength(1);
    expect(out.trimEnd().endsWith('1 warning')).toBe(true);
  });

  it('underlines multi-line spans line by line, keeps tabs aligned, and windows long lines', () => {
    const text = 'a:\n\tkey: "x\n  y"\n';
    const d: Diagnostic = { code: 'MC1003', severity: 'error', message: 'm', span: { file: 'f.yaml', line: 2, column: 7, endLine: 3, endColumn: 5 } };
    const out = renderHuman([d], { sources: { 'f.yaml': text } });
    expect(out.split('\n').slice(1, 5)).toEqual([' 2 | \tkey: "x', '   | \t     ^^', ' 3 |   y"', '   |   ^^']);
    const long = 'k: ' + 'x'.repeat(300) + 'BAD' + 'y'.repeat(300);
    const d2: Diagnostic = { code: 'MC1003', severity: 'error', message: 'm', span: { file: 'g.yaml', line: 1, column: 304, endLine: 1, endColumn: 307 } };
    const lines = renderHuman([d2], { sources: { 'g.yaml': long } }).split('\n');
    expect(lines[1]!.length).toBeLessThan(140);
    const caret = lines[2]!.indexOf('^');
    expect(lines[1]!.slice(caret, caret + 3)).toBe('BAD');
    expect(lines[2]).toMatch(/^ {3}\| +\^\^\^$/);
  });

  it('makes control characters and bidi overrides in messages and sources inert', () => {
    const evil: Diagnostic = { code: 'MC1005', severity: 'error', message: 'unknown kind "\u001b[2J\u202e"', span: { file: 'e.yaml', line: 1, column: 7, endLine: 1, endColumn: 9 } };
    const out = renderHuman([evil], { sources: { 'e.yaml': 'kind: \u001b[31m\r\n' } });
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(out).toContain('unknown kind "\u241b[2J\ufffd"');
  });

  it('stays linear: 5,000 diagnostics into one 100,000-line file', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `key${i}: value`).join('\n');
    const ds: Diagnostic[] = Array.from({ length: 5000 }, (_, i) => ({
      code: 'MC1003',
      severity: 'error',
      message: `m${i}`,
      span: { file: 'big.yaml', line: i * 20 + 1, column: 1, endLine: i * 20 + 1, endColumn: 4 },
    }));
    // No timing assertion here (speed lives in `npm run bench`); the suite's timeout bounds it.
    const out = renderHuman(ds, { sources: { 'big.yaml': text } });
    expect(out.trimEnd().endsWith('5000 errors')).toBe(true);
  });

  it('colours only when asked', () => {
    expect(renderHuman([dup], { sources, color: true })).toContain('\u001b[1;31merror MC3001:\u001b[0m');
    expect(renderHuman([dup], { sources })).not.toContain('\u001b');
  });
});

describe('shouldColor', () => {
  it('follows TTY, NO_COLOR, FORCE_COLOR and TERM=dumb', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(shouldColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(shouldColor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('json renderer', () => {
  it('is one stable object with display paths and a summary', () => {
    const j = JSON.parse(renderJson([warn, dup, dup], { root: 'm' }));
    expect(j).toEqual({
      version: 1,
      diagnostics: [
        { code: 'MC1010', severity: 'warning', message: 'something odd', span: { path: 'm/mesh.yaml', file: 'mesh.yaml', line: 2, column: 1, endLine: 2, endColumn: 5 } },
        {
          code: 'MC3001',
          severity: 'error',
          message: 'duplicate Service name "cart"',
          span: { path: 'm/services/cart.yaml', file: 'services/cart.yaml', line: 3, column: 9, endLine: 3, endColumn: 13 },
          hint: 'rename one of them',
          related: [{ message: 'first declared here', span: { path: 'm/services/a.yaml', file: 'services/a.yaml', line: 1, column: 7, endLine: 1, endColumn: 11 } }],
        },
      ],
      summary: { errors: 1, warnings: 1, notes: 0 },
    });
    expect(renderJson([])).toBe('{\n  "version": 1,\n  "diagnostics": [],\n  "summary": {\n    "errors": 0,\n    "warnings": 0,\n    "notes": 0\n  }\n}\n');
  });
});

/** The parts of the SARIF 2.1.0 schema that meshc's output uses, with their constraints. */
const sarifSubset = {
  type: 'object',
  required: ['version', 'runs'],
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['tool'],
        additionalProperties: false,
        properties: {
          columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
          tool: {
            type: 'object',
            required: ['driver'],
            properties: {
              driver: {
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  rules: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id'],
                      additionalProperties: false,
                      properties: {
                        id: { type: 'string' },
                        name: { type: 'string' },
                        shortDescription: { $ref: '#/$defs/message' },
                        fullDescription: { $ref: '#/$defs/message' },
                        help: { $ref: '#/$defs/message' },
                        defaultConfiguration: { type: 'object', properties: { level: { enum: ['none', 'note', 'warning', 'error'] } }, additionalProperties: false },
                      },
                    },
                  },
                },
              },
            },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['message'],
              additionalProperties: false,
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: -1 },
                level: { enum: ['none', 'note', 'warning', 'error'] },
                message: { $ref: '#/$defs/message' },
                locations: { type: 'array', items: { $ref: '#/$defs/location' } },
                relatedLocations: { type: 'array', items: { $ref: '#/$defs/location' } },
                properties: { type: 'object' },
              },
            },
          },
        },
      },
    },
  },
  $defs: {
    message: { type: 'object', required: ['text'], properties: { text: { type: 'string' }, markdown: { type: 'string' } }, additionalProperties: false },
    location: {
      type: 'object',
      additionalProperties: false,
      properties: {
        id: { type: 'integer', minimum: -1 },
        message: { $ref: '#/$defs/message' },
        physicalLocation: {
          type: 'object',
          additionalProperties: false,
          required: ['artifactLocation'],
          properties: {
            artifactLocation: { type: 'object', required: ['uri'], properties: { uri: { type: 'string', format: 'uri-reference' } }, additionalProperties: false },
            region: {
              type: 'object',
              additionalProperties: false,
              properties: {
                startLine: { type: 'integer', minimum: 1 },
                startColumn: { type: 'integer', minimum: 1 },
                endLine: { type: 'integer', minimum: 1 },
                endColumn: { type: 'integer', minimum: 1 },
              },
            },
          },
        },
      },
    },
  },
};

describe('sarif renderer', () => {
  it('produces a SARIF 2.1.0 log: rules from the catalog, results with locations and related locations', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: its default export arrives wrapped under NodeNext typing.
    const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
    addFormats(ajv);
    const log = toSarif([dup, warn, global], { root: 'my mesh', version: '9.9.9' }) as any;
    const validate = ajv.compile(sarifSubset);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.version).toBe('9.9.9');
    const rules = run.tool.driver.rules as { id: string; name?: string }[];
    // Every registered catalog entry is a rule; the catalog order is by code.
    expect(rules.find((r) => r.id === LoadCodes.YamlSyntax.code)).toMatchObject({ name: 'YAMLSyntaxError', shortDescription: { text: 'YAML syntax error' } });
    for (const r of run.results) expect(rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(run.results.map((r: any) => r.ruleId)).toEqual(['MC4002', 'MC1010', 'MC3001']);
    expect(run.results[2]).toMatchObject({
      level: 'error',
      message: { text: 'duplicate Service name "cart"' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'my%20mesh/services/cart.yaml' }, region: { startLine: 3, startColumn: 9, endLine: 3, endColumn: 13 } } }],
      relatedLocations: [{ id: 1, message: { text: 'first declared here' }, physicalLocation: { artifactLocation: { uri: 'my%20mesh/services/a.yaml' } } }],
      properties: { hint: 'rename one of them' },
    });
    expect(run.results[0].locations).toBeUndefined();
  });
});

describe('github renderer', () => {
  it('prints one workflow command per diagnostic', () => {
    expect(renderGithub([dup, warn, global, { ...warn, severity: 'note', code: 'MC5008' }], { root: 'm' })).toBe(
      [
        '::error title=MC4002::unknown target "x"%0Ahint: targets: ir',
        '::warning file=m/mesh.yaml,line=2,col=1,endLine=2,endColumn=5,title=MC1010::something odd',
        '::notice file=m/mesh.yaml,line=2,col=1,endLine=2,endColumn=5,title=MC5008::something odd',
        '::error file=m/services/cart.yaml,line=3,col=9,endLine=3,endColumn=13,title=MC3001::duplicate Service name "cart"%0Ahint: rename one of them%0Anote: m/services/a.yaml:1:7: first declared here',
        '',
      ].join('\n'),
    );
  });

  it('escapes %, CR, LF in data and also : and , in properties', () => {
    expect(escapeData('50%\r\nx:y,z')).toBe('50%25%0D%0Ax:y,z');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
    const d: Diagnostic = { code: 'MC1003', severity: 'error', message: 'bad\n::error::injected', span: { file: 'we,ird:name.yaml', line: 1, column: 1, endLine: 1, endColumn: 2 } };
    const out = renderGithub([d]);
    expect(out).toBe('::error file=we%2Cird%3Aname.yaml,line=1,col=1,endLine=1,endColumn=2,title=MC1003::bad%0A::error::injected\n');
    expect(out.split('\n')).toHaveLength(2);
  });
});

describe('render()', () => {
  it('dispatches by format and renders nothing human for no diagnostics', () => {
    expect(render('human', [])).toBe('');
    expect(render('github', [])).toBe('');
    expect(JSON.parse(render('json', [warn])).diagnostics).toHaveLength(1);
    expect(JSON.parse(render('sarif', [warn])).version).toBe('2.1.0');
    expect(terminalSafe('a\tb', true)).toBe('a\tb');
  });
});
