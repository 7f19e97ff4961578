import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSchema, generateSchemaText, parseDocComment, type JsonSchema } from '../../src/schema/generate.js';
import { generateSchemaFiles, readSchemaText, schemaPath } from '../../src/schema/cli.js';
import { packageRoot } from '../../src/util/package.js';

describe('the committed schema', () => {
  it('and the precompiled validator equal a fresh generation from src/dsl/types.ts', async () => {
    const files = await generateSchemaFiles();
    expect(Object.keys(files).sort()).toEqual(['schemas/meshc.schema.json', 'schemas/meshc.validate.cjs']);
    for (const [file, fresh] of Object.entries(files)) {
      const committed = readFileSync(join(packageRoot(), file), 'utf8');
      // A plain boolean, so that the failure says what to do rather than printing a huge diff.
      expect(committed === fresh, `${file} is stale: run \`npm run schema\` and commit the result`).toBe(true);
    }
  });

  it('is deterministic (two generations are byte-identical) and ends with a newline', () => {
    const a = generateSchemaText();
    expect(generateSchemaText()).toBe(a);
    expect(a.endsWith('}\n')).toBe(true);
    expect(a).toBe(JSON.stringify(JSON.parse(a), null, 2) + '\n');
  });

  it('has the draft-07 envelope and the root discriminated on kind', () => {
    const s = JSON.parse(readSchemaText()) as JsonSchema;
    expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof s.$id).toBe('string');
    expect(typeof s.title).toBe('string');
    expect(typeof s.description).toBe('string');
    expect(s.required).toEqual(['kind']);
    expect((s.properties as JsonSchema).kind).toMatchObject({ enum: ['Mesh', 'Service', 'Route', 'Filter', 'Gateway'] });
    expect(s.additionalProperties).toBeUndefined();
    const branches = s.allOf as JsonSchema[];
    expect(branches.map((b) => (b.then as JsonSchema).$ref)).toEqual([
      '#/definitions/MeshResource',
      '#/definitions/ServiceResource',
      '#/definitions/RouteResource',
      '#/definitions/FilterResource',
      '#/definitions/GatewayResource',
    ]);
    const defs = s.definitions as Record<string, JsonSchema>;
    expect(Object.keys(defs)).toEqual([...Object.keys(defs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // Every definition but the discriminated unions is closed, when it is an object with properties.
    for (const [name, d] of Object.entries(defs)) {
      if (d.properties && !d.allOf) expect(d.additionalProperties, name).toBe(false);
    }
    // Spot checks of the mapping from the types.
    expect(defs.Name).toMatchObject({ type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63, examples: ['catalog'] });
    expect(defs.Port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535 });
    expect(defs.RetryOn!.anyOf).toEqual([
      { type: 'string', enum: ['5xx', 'gateway-error', 'reset', 'connect-failure', 'refused-stream', 'retriable-4xx'] },
      { $ref: '#/definitions/RetryStatus' },
    ]);
    expect((defs.Metadata!.properties as Record<string, JsonSchema>).labels!.propertyNames).toEqual({ $ref: '#/definitions/LabelKey' });
    const filter = defs.FilterSpec!;
    expect(filter.required).toEqual(['type']);
    expect(filter.additionalProperties).toBeUndefined();
    expect((filter.allOf as JsonSchema[]).map((b) => ((b.if as JsonSchema).properties as Record<string, JsonSchema>).type!.const)).toEqual([
      'allow', 'deny', 'rateLimit', 'jwt',
    ]);
    // extends merged: AllowFilterSpec has FilterCommon's fields.
    expect(Object.keys(defs.AllowFilterSpec!.properties as JsonSchema)).toEqual(['target', 'ports', 'type', 'from', 'http']);
    expect(defs.AllowFilterSpec!.required).toEqual(['target', 'type']);
  });
});

describe('the generator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const gen = (src: string): JsonSchema => {
    const file = join(dir, `t${n++}.ts`);
    writeFileSync(file, src);
    return generateSchema(file);
  };
  const defs = (s: JsonSchema) => s.definitions as Record<string, JsonSchema>;

  const base = `
/** A name.
 * @pattern ^[a-z]+$
 * @maxLength 10
 * @example "abc"
 * @example "de"
 */
export type Name = string;
/** A key. @see nothing */
export type Plain = string;
`;

  it('maps tags, literals, records, arrays, extends and optional members', () => {
    const s = gen(`${base}
/** Common. */
export interface Common {
  /** The name. */
  name: Name;
}
/** The A variant. */
export interface A extends Common {
  /** Kind. */
  kind: 'a';
  /**
   * A number.
   * @integer
   * @minimum 1
   * @exclusiveMinimum 0
   * @maximum 9
   * @default 3
   */
  n?: number;
  /**
   * Things.
   * @minItems 1
   * @maxItems 4
   * @uniqueItems
   */
  list?: Name[];
  /**
   * A map.
   * @minProperties 1
   * @maxProperties 2
   */
  map?: Record<Name, boolean>;
  /** Free map. */
  free?: Record<string, string>;
  /** A mode. */
  mode?: 'x' | 'y';
  /** A code. */
  code?: 301 | 302;
  /** Inline object. */
  inline?: {
    /** Inner. */
    inner: string;
  };
}
/** The B variant. */
export interface B {
  /** Kind. */
  kind: 'b';
  /** Either. */
  either?: A | 'none';
}
/**
 * The root.
 * @discriminator kind
 */
export type Resource = A | B;
`);
    expect(s.required).toEqual(['kind']);
    expect(s.properties).toEqual({ kind: { description: 'Kind.', type: 'string', enum: ['a', 'b'] } });
    expect(s.allOf).toEqual([
      { if: { properties: { kind: { const: 'a' } }, required: ['kind'] }, then: { $ref: '#/definitions/A' } },
      { if: { properties: { kind: { const: 'b' } }, required: ['kind'] }, then: { $ref: '#/definitions/B' } },
    ]);
    const d = defs(s);
    expect(Object.keys(d)).toEqual(['A', 'B', 'Name']); // Common is merged, not referenced
    expect(d.Name).toEqual({ description: 'A name.', type: 'string', examples: ['abc', 'de'], pattern: '^[a-z]+$', maxLength: 10 });
    const p = d.A!.properties as Record<string, JsonSchema>;
    expect(Object.keys(p)).toEqual(['name', 'kind', 'n', 'list', 'map', 'free', 'mode', 'code', 'inline']);
    expect(d.A!.required).toEqual(['name', 'kind']);
    expect(d.A!.additionalProperties).toBe(false);
    expect(p.name).toEqual({ $ref: '#/definitions/Name', description: 'The name.' });
    expect(p.kind).toEqual({ description: 'Kind.', type: 'string', const: 'a' });
    expect(p.n).toEqual({ description: 'A number.', type: 'integer', default: 3, minimum: 1, exclusiveMinimum: 0, maximum: 9 });
    expect(p.list).toEqual({ description: 'Things.', type: 'array', items: { $ref: '#/definitions/Name' }, minItems: 1, maxItems: 4, uniqueItems: true });
    expect(p.map).toEqual({
      description: 'A map.', type: 'object', additionalProperties: { type: 'boolean' }, propertyNames: { $ref: '#/definitions/Name' },
      minProperties: 1, maxProperties: 2,
    });
    expect(p.free).toEqual({ description: 'Free map.', type: 'object', additionalProperties: { type: 'string' } });
    expect(p.mode).toEqual({ description: 'A mode.', type: 'string', enum: ['x', 'y'] });
    expect(p.code).toEqual({ description: 'A code.', type: 'integer', enum: [301, 302] });
    expect(p.inline).toEqual({
      description: 'Inline object.', type: 'object', properties: { inner: { description: 'Inner.', type: 'string' } }, required: ['inner'], additionalProperties: false,
    });
    const either = (d.B!.properties as Record<string, JsonSchema>).either!;
    expect(either).toEqual({ description: 'Either.', anyOf: [{ type: 'string', const: 'none' }, { $ref: '#/definitions/A' }] });
  });

  it('gives a union of interfaces `type: object`', () => {
    const s = gen(`${base}
/** X. */ export interface X {
  /** x. */ x: string;
}
/** Y. */ export interface Y {
  /** y. */ y: string;
}
/** Either. */ export type XY = X | Y;
/** R. */ export interface R {
  /** k. */ kind: 'r';
  /** v. */ v: XY;
}
/** Root. @discriminator kind */
export type Resource = R;
`);
    expect(defs(s).XY).toEqual({ description: 'Either.', type: 'object', anyOf: [{ $ref: '#/definitions/X' }, { $ref: '#/definitions/Y' }] });
  });

  const wrap = (body: string) => `${base}
${body}
/** R. */ export interface R {
  /** k. */ kind: 'r';
  /** v. */ v: T;
}
/** Root. @discriminator kind */
export type Resource = R;
`;
  it.each([
    ['an unknown tag', '/** T. @maxlength 3 */ export type T = string;', /unknown tag @maxlength/],
    ['a string tag on a number', '/** T. @pattern ^a$ */ export type T = number;', /@pattern does not apply/],
    ['an invalid pattern', '/** T. @pattern ^(a$ */ export type T = string;', /not a valid regular expression/],
    ['invalid JSON in @default', '/** T. @default abc */ export type T = string;', /not valid JSON/],
    ['a missing doc comment', 'export type T = string;', /missing doc comments.*T/],
    ['an undocumented field', '/** T. */ export interface T { a: string }', /missing doc comments.*T\.a/],
    ['an unsupported type', '/** T. */ export type T = string & { x: 1 };', /unsupported type/],
    ['a constraint on a named-type property', '/** T. */ export interface T {\n  /** a. @maxLength 3 */ a: Name;\n}', /put the constraint on the type itself/],
    ['null in a union', '/** T. */ export type T = string | null;', /null \/ undefined/],
  ])('refuses %s', (_what, body, message) => {
    expect(() => gen(wrap(body))).toThrow(message);
  });

  it('refuses a @discriminator union whose variant lacks the field', () => {
    expect(() =>
      gen(`${base}
/** A. */ export interface A {
  /** x. */ x: string;
}
/** Root. @discriminator kind */
export type Resource = A;
`),
    ).toThrow(/needs a required string-literal field kind/);
  });
});

describe('doc comments', () => {
  it('keeps list items and paragraphs, joins wrapped lines, and reads tags verbatim', () => {
    const c = parseDocComment(`/**
   * First line
   * continues.
   * - item one
   * - item two
   *
   * Second paragraph with a \`code\` span and an e-mail@example.com.
   * @pattern ^[a-z0-9!#$%&'*+.^_\`|~-]+$
   * @example {"a": 1}
   * @example "x"
   */`);
    expect(c.description).toBe('First line continues.\n- item one\n- item two\n\nSecond paragraph with a `code` span and an e-mail@example.com.');
    expect(c.tags).toEqual([
      { name: 'pattern', text: "^[a-z0-9!#$%&'*+.^_`|~-]+$" },
      { name: 'example', text: '{"a": 1}' },
      { name: 'example', text: '"x"' },
    ]);
  });

  it('is what the committed schema carries for a backtick-bearing pattern', () => {
    const s = JSON.parse(readFileSync(schemaPath(), 'utf8')) as JsonSchema;
    expect((s.definitions as Record<string, JsonSchema>).HeaderName).toMatchObject({ pattern: "^[a-z0-9!#$%&'*+.^_`|~-]+$", maxLength: 256 });
  });
});
