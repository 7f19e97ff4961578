/**
 * Schema validation of source documents: ajv (draft-07) against the committed, generated schema,
 * and every error mapped to the exact YAML node.
 *
 * - An unknown field points at its key, a missing field at the mapping that lacks it (its key), any
 *   other problem at the value.
 * - Noise is collapsed: for a discriminated kind (`kind`, a Filter's `type`) only the selected
 *   branch is reported; for a value that may take several forms (`anyOf`), the form the value is
 *   closest to is chosen and only its errors are reported (or one diagnostic listing every allowed
 *   value / form); at most one diagnostic per value.
 * - Documents with errors are not returned as resources.
 *
 * The validator is made once, on first use: the precompiled module `schemas/meshc.validate.cjs`
 * (ajv standalone code written by `npm run schema`) when it was made from the committed schema,
 * else ajv compiles the schema then (about 20× slower to start; same results).
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { makeDiagnostic } from '../diagnostics/bag.js';
import type { Diagnostic, DiagnosticArgs, DiagnosticInfo, RelatedSpan, Span } from '../diagnostics/types.js';
import type { LocatedResource, SourceDocument, ValuePath } from '../dsl/source.js';
import type { Resource } from '../dsl/types.js';
import { packageRoot } from '../util/package.js';
import { closest } from '../util/strings.js';
import { readSchemaText } from './cli.js';
import { SchemaCodes } from './codes.js';
import { createAjv, escapePointer, schemaHash, unionBranchPointers, VALIDATOR_FILE, type PrecompiledValidator } from './standalone.js';

type Schema = { [keyword: string]: unknown };
type Path = (string | number)[];

/** Where a schema object sits in the schema, and what it is. */
interface SchemaInfo {
  /** JSON pointer from the root, e.g. `/definitions/Name`. */
  pointer: string;
  /** For `/definitions/X`: X. */
  definition?: string;
  /** For a variant of a discriminated union: the field and this variant's value. */
  variant?: { field: string; value: string; union: string };
}

interface Compiled {
  validate: ValidateFunction;
  schema: Schema;
  /** Schema objects (as ajv's verbose errors carry them) → what they are. */
  info: SchemaIndex;
  /** Definition name → its variants' values, for discriminated unions. */
  variantsOf: Map<string, { value: string; definition: string }[]>;
  /** Union branch pointer → its validator. */
  branch: (pointer: string) => ValidateFunction | undefined;
  /** Whether the precompiled validator was used (else ajv compiled the schema at run time). */
  precompiled: boolean;
}

let compiledOnce: Compiled | undefined;

/**
 * The validator, made once: the precompiled module when it matches the committed schema, else
 * ajv compiling the schema now.
 */
function compiled(): Compiled {
  if (compiledOnce) return compiledOnce;
  const text = readSchemaText();
  const schema = JSON.parse(text) as Schema;
  const info = new SchemaIndex(schema);
  const variantsOf = new Map<string, { value: string; definition: string }[]>();
  const defs = (schema.definitions ?? {}) as Record<string, Schema>;
  for (const [name, def] of [['(root)', schema] as const, ...Object.entries(defs)]) {
    const field = discriminatorOf(def);
    if (!field) continue;
    const variants: { value: string; definition: string }[] = [];
    for (const branch of def.allOf as Schema[]) {
      const value = ((branch.if as Schema).properties as Record<string, Schema>)[field]!.const as string;
      const ref = refName((branch.then as Schema).$ref);
      if (!ref || !defs[ref]) continue;
      variants.push({ value, definition: ref });
      info.setVariant(`/definitions/${escapePointer(ref)}`, { field, value, union: name });
    }
    variantsOf.set(name, variants);
  }
  const pre = loadPrecompiled(schemaHash(text));
  if (pre) {
    compiledOnce = { validate: pre.root, schema, info, variantsOf, branch: (p) => pre.branches[p], precompiled: true };
  } else {
    const ajv = createAjv();
    const validate = ajv.compile(schema);
    const id = String(schema.$id ?? '');
    const known = new Set(unionBranchPointers(schema));
    compiledOnce = { validate, schema, info, variantsOf, branch: (p) => (known.has(p) ? ajv.getSchema(`${id}#${p}`) : undefined), precompiled: false };
  }
  return compiledOnce;
}

/** The precompiled validator, when present and made from this schema. */
function loadPrecompiled(hash: string): PrecompiledValidator | undefined {
  if (process.env.MESHC_NO_PRECOMPILED_VALIDATOR === '1') return undefined;
  const file = join(packageRoot(), VALIDATOR_FILE);
  if (!existsSync(file)) return undefined;
  const mod = createRequire(import.meta.url)(file) as Partial<PrecompiledValidator>;
  if (mod.schemaHash !== hash || typeof mod.root !== 'function' || !mod.branches) return undefined;
  return mod as PrecompiledValidator;
}

/** Whether validation runs on the precompiled validator (for tests and `--timings`). */
export function usesPrecompiledValidator(): boolean {
  return compiled().precompiled;
}

/**
 * Finds what a schema object is. ajv's verbose errors carry the failing schema object: the very
 * object of the parsed schema when ajv compiled it here, a copy with the same JSON when it comes
 * from the precompiled module; so objects are looked up by identity first, then by their JSON.
 */
class SchemaIndex {
  private readonly byObject = new Map<object, SchemaInfo>();
  private readonly byPointer = new Map<string, SchemaInfo>();
  private byJson: Map<string, SchemaInfo> | undefined;

  constructor(schema: Schema) {
    indexSchema(schema, '', this.byObject, this.byPointer);
  }

  get(node: object): SchemaInfo | undefined {
    const hit = this.byObject.get(node);
    if (hit) return hit;
    if (!this.byJson) {
      this.byJson = new Map();
      for (const [obj, info] of this.byObject) {
        const key = JSON.stringify(obj);
        const prior = this.byJson.get(key);
        // Identical schemas at several places: prefer the named definition.
        if (!prior || (!prior.definition && info.definition)) this.byJson.set(key, info);
      }
    }
    return this.byJson.get(JSON.stringify(node));
  }

  setVariant(pointer: string, variant: SchemaInfo['variant']): void {
    const info = this.byPointer.get(pointer);
    if (info && variant) info.variant = variant;
  }
}

/** Records the pointer of every schema object. */
function indexSchema(node: unknown, pointer: string, byObject: Map<object, SchemaInfo>, byPointer: Map<string, SchemaInfo>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((n, i) => indexSchema(n, `${pointer}/${i}`, byObject, byPointer));
    return;
  }
  const m = /^\/definitions\/([^/]+)$/.exec(pointer);
  const entry: SchemaInfo = { pointer };
  if (m) entry.definition = m[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
  byObject.set(node, entry);
  byPointer.set(pointer, entry);
  for (const [k, v] of Object.entries(node)) {
    if (k === 'const' || k === 'enum' || k === 'default' || k === 'examples' || k === 'required') continue;
    indexSchema(v, `${pointer}/${escapePointer(k)}`, byObject, byPointer);
  }
}

/** The discriminator field of a schema generated from a `@discriminator` union, if any. */
function discriminatorOf(s: Schema): string | undefined {
  const allOf = s.allOf;
  if (!Array.isArray(allOf) || allOf.length === 0) return undefined;
  const first = allOf[0] as Schema;
  const req = (first.if as Schema | undefined)?.required;
  return Array.isArray(req) && typeof req[0] === 'string' ? req[0] : undefined;
}

function refName(ref: unknown): string | undefined {
  const m = typeof ref === 'string' ? /^#\/definitions\/(.+)$/.exec(ref) : null;
  return m ? m[1] : undefined;
}

/** Validates documents against the generated schema; returns the valid ones as typed resources. */
export function validateDocuments(docs: readonly SourceDocument[]): { resources: LocatedResource[]; diagnostics: Diagnostic[] } {
  const c = compiled();
  const resources: LocatedResource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of docs) {
    if (c.validate(doc.value)) {
      resources.push({ resource: doc.value as Resource, doc });
      continue;
    }
    const errors = [...(c.validate.errors ?? [])];
    const ds = new Explainer(c, doc).explain(errors, [], doc.value);
    if (ds.length === 0) {
      // Never drop a document silently: should the explanation come out empty, say so generically.
      const e = errors.find((x) => x.keyword !== 'if') ?? errors[0];
      ds.push(makeDiagnostic(SchemaCodes.Invalid, doc.span([]), { path: 'the document', keyword: e?.keyword ?? 'schema' }));
    }
    diagnostics.push(...sortAndDedupe(ds));
  }
  return { resources, diagnostics };
}

/** Validates one plain value (no positions); for tools and tests. */
export function validateValue(value: unknown): { valid: boolean; errors: ErrorObject[] } {
  const c = compiled();
  const valid = c.validate(value) as boolean;
  return { valid, errors: valid ? [] : [...(c.validate.errors ?? [])] };
}

function sortAndDedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const key = `${d.code}\0${d.span?.line}:${d.span?.column}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => (a.span?.line ?? 0) - (b.span?.line ?? 0) || (a.span?.column ?? 0) - (b.span?.column ?? 0) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** Keywords about a scalar value, most telling first: one diagnostic per value. */
const VALUE_KEYWORDS = ['type', 'const', 'enum', 'pattern', 'format', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const VALUE_RANK = new Map(VALUE_KEYWORDS.map((k, i) => [k, i]));

/** Turns the ajv errors of one document into diagnostics. */
class Explainer {
  constructor(
    private readonly c: Compiled,
    private readonly doc: SourceDocument,
  ) {}

  /**
   * Explains `errors` reported for `data`, the value at `base` in the document (errors' instance
   * paths are relative to it).
   */
  explain(errors: readonly ErrorObject[], base: Path, data: unknown, forms?: readonly Schema[]): Diagnostic[] {
    const items = errors
      .filter((e) => e.keyword !== 'if')
      .map((e) => ({ e, path: [...base, ...this.segments(e.instancePath, data)] }));
    const out: Diagnostic[] = [];

    // Unions first, outermost first: each replaces every error at or below its value.
    const unions = items.filter((x) => x.e.keyword === 'anyOf').sort((a, b) => a.path.length - b.path.length);
    const handled: Path[] = [];
    for (const u of unions) {
      if (handled.some((h) => isPrefix(h, u.path))) continue;
      handled.push(u.path);
      out.push(...this.union(u.path, u.e.parentSchema as Schema, this.valueAt(u.path)));
    }
    const rest = items.filter((x) => !handled.some((h) => isPrefix(h, x.path)));

    // One diagnostic per value: the most telling value keyword at each path.
    const bestValueError = new Map<string, ErrorObject>();
    for (const { e, path } of rest) {
      if (!VALUE_RANK.has(e.keyword) || e.propertyName !== undefined) continue;
      const key = pathKey(path);
      const prior = bestValueError.get(key);
      if (!prior || VALUE_RANK.get(e.keyword)! < VALUE_RANK.get(prior.keyword)!) bestValueError.set(key, e);
    }
    const typeFailed = new Set([...bestValueError].filter(([, e]) => e.keyword === 'type').map(([k]) => k));
    // A misspelt field is one problem, not two: an unknown field whose nearest allowed name is a
    // missing required field explains that missing field.
    const explainedMissing = new Set<string>();
    for (const { e, path } of rest) {
      if (e.keyword !== 'additionalProperties') continue;
      const near = this.nearField(e);
      if (near !== undefined) explainedMissing.add(`${pathKey(path)}\0${near}`);
    }
    const badKeys = new Set(rest.filter((x) => x.e.propertyName !== undefined).map((x) => `${pathKey(x.path)}\0${x.e.propertyName}`));

    for (const { e, path } of rest) {
      const key = pathKey(path);
      if (VALUE_RANK.has(e.keyword) && e.propertyName === undefined) {
        if (bestValueError.get(key) === e) out.push(this.valueError(e, path));
        continue;
      }
      // A value of the wrong type has no other problem worth reporting.
      if (typeFailed.has(key)) continue;
      switch (e.keyword) {
        case 'additionalProperties':
          out.push(this.unknownField(e, path, forms && path.length === base.length ? forms : undefined));
          break;
        case 'required':
          if (explainedMissing.has(`${key}\0${String((e.params as { missingProperty: string }).missingProperty)}`)) break;
          out.push(this.missingField(e, path));
          break;
        case 'propertyNames':
          if (!badKeys.has(`${key}\0${String((e.params as { propertyName: string }).propertyName)}`)) {
            out.push(this.badKey(path, String((e.params as { propertyName: string }).propertyName), e.parentSchema as Schema));
          }
          break;
        case 'uniqueItems':
          out.push(this.duplicate(e, path));
          break;
        case 'minItems':
        case 'maxItems':
        case 'minProperties':
        case 'maxProperties':
          out.push(this.itemCount(e, path));
          break;
        default:
          if (e.propertyName !== undefined) {
            out.push(this.badKey(path, e.propertyName, e.parentSchema as Schema));
          } else {
            out.push(this.report(SchemaCodes.Invalid, this.doc.span(path), { path: showPath(path), keyword: e.keyword }));
          }
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Unions (anyOf)
  // -------------------------------------------------------------------------------------------

  /** Chooses the form a value is closest to and explains only that form's errors. */
  private union(path: Path, schema: Schema, data: unknown): Diagnostic[] {
    const branches = (schema.anyOf ?? []) as Schema[];
    const results = branches.map((branch) => {
      const v = this.branchValidator(branch);
      const ok = v(data) as boolean;
      const errors = ok ? [] : [...(v.errors ?? [])];
      return { branch, resolved: this.deref(branch), ok, errors };
    });
    // ajv found no matching branch; the branch validators agree (same schema, same data).
    if (results.some((r) => r.ok)) return [];
    const typeMismatch = (r: (typeof results)[number]) => r.errors.some((e) => e.keyword === 'type' && e.instancePath === '');
    const candidates = results.filter((r) => !typeMismatch(r));
    if (candidates.length === 0) {
      const expected = results.flatMap((r) => r.errors.filter((e) => e.keyword === 'type' && e.instancePath === '').map((e) => String((e.params as { type: string }).type)));
      // A number or boolean that one of the string forms would accept as text: it needs quotes.
      if ((typeof data === 'number' || typeof data === 'boolean') && results.some((r) => r.resolved.type === 'string' && this.branchValidator(r.branch)(String(data)))) {
        return [this.wrongType(path, [...new Set(expected)], data, schema, undefined, `quote it: "${String(data)}"`)];
      }
      return [this.wrongType(path, [...new Set(expected)], data, schema, results.map((r) => showForm(r.resolved)).join(', '))];
    }
    if (isObject(data)) {
      const keys = Object.keys(data);
      const scored = candidates.map((r, i) => {
        const props = Object.keys((r.resolved.properties ?? {}) as Schema);
        let score = 0;
        for (const k of keys) {
          if (props.includes(k)) score += 2;
          else if (closest(k, props) !== undefined) score += 1;
        }
        return { r, i, score };
      });
      scored.sort((a, b) => b.score - a.score || a.r.errors.length - b.r.errors.length || a.i - b.i);
      const best = scored[0]!;
      if (best.score === 0) {
        return [this.report(SchemaCodes.NoVariant, this.doc.span(path), { path: showPath(path), forms: results.map((r) => showForm(r.resolved)).join(', ') })];
      }
      return this.explain(best.r.errors, path, data, results.map((r) => r.resolved));
    }
    // A scalar: when every candidate only rejects the value itself, one diagnostic lists them all.
    if (candidates.every((r) => r.errors.every((e) => e.instancePath === '' && VALUE_RANK.has(e.keyword)))) {
      const allowed: string[] = [];
      const values: string[] = [];
      for (const r of candidates) {
        const s = r.resolved;
        if (Array.isArray(s.enum)) values.push(...s.enum.map(String));
        else if ('const' in s) values.push(String(s.const));
        else allowed.push(this.describeForm(r.branch));
      }
      const near = typeof data === 'string' ? closest(data, values) : undefined;
      return [
        this.report(SchemaCodes.NotAllowed, this.doc.span(path), {
          value: showValue(data),
          path: showPath(path),
          allowed: [...values, ...allowed].join(', '),
          suggestion: near ? `did you mean "${near}"? ` : '',
        }),
      ];
    }
    const best = [...candidates].sort((a, b) => a.errors.length - b.errors.length)[0]!;
    return this.explain(best.errors, path, data);
  }

  private branchValidator(branch: Schema): ValidateFunction {
    const pointer = this.c.info.get(branch)?.pointer;
    const v = pointer === undefined ? undefined : this.c.branch(pointer);
    if (!v) throw new Error(`meshc bug: no validator for the schema branch ${pointer ?? JSON.stringify(branch).slice(0, 80)}`);
    return v;
  }

  /** A `$ref` schema's target (one level), or the schema itself. */
  private deref(s: Schema): Schema {
    const name = refName(s.$ref);
    return name ? (((this.c.schema.definitions as Record<string, Schema>)[name] ?? s) as Schema) : s;
  }

  /** How a non-enum form of a scalar union reads in a hint, e.g. `an HTTP status code … (e.g. "503")`. */
  private describeForm(branch: Schema): string {
    const s = this.deref(branch);
    const name = this.c.info.get(s)?.definition;
    const what = typeof s.description === 'string' ? lowerFirst(firstSentence(s.description)) : name ? humanize(name) : 'a matching value';
    const ex = Array.isArray(s.examples) && s.examples.length > 0 ? ` (e.g. ${showValue(s.examples[0])})` : '';
    return `or ${what}${ex}`;
  }

  // -------------------------------------------------------------------------------------------
  // Error families
  // -------------------------------------------------------------------------------------------

  private valueError(e: ErrorObject, path: Path): Diagnostic {
    const span = this.doc.span(path);
    const data = e.data;
    const parent = e.parentSchema as Schema;
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'type':
        return this.wrongType(path, [String(p.type)], data, parent);
      case 'const':
      case 'enum': {
        const values = (e.keyword === 'const' ? [p.allowedValue] : (p.allowedValues as unknown[])).map(String);
        const near = typeof data === 'string' ? closest(data, values, { ignoreCase: true }) : undefined;
        return this.report(SchemaCodes.NotAllowed, span, {
          value: showValue(data),
          path: showPath(path),
          allowed: values.join(', '),
          suggestion: near ? `did you mean "${near}"? ` : '',
        });
      }
      case 'pattern':
      case 'format': {
        const { what, about } = this.describe(parent, path);
        return this.report(SchemaCodes.BadFormat, span, { value: showValue(data), what, about });
      }
      case 'minLength':
      case 'maxLength': {
        const limit = Number(p.limit);
        const dir = e.keyword === 'maxLength' ? 'long' : 'short';
        const bound = e.keyword === 'maxLength' ? `at most ${limit}` : `at least ${limit}`;
        return this.report(SchemaCodes.BadLength, span, { path: showPath(path), dir, length: [...String(data)].length, bound });
      }
      default: {
        // minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf
        const words: Record<string, string> = { '<=': 'at most', '>=': 'at least', '<': 'less than', '>': 'more than' };
        const bound = e.keyword === 'multipleOf' ? `must be a multiple of ${String(p.multipleOf)}` : `must be ${words[String(p.comparison)] ?? String(p.comparison)} ${String(p.limit)}`;
        return this.report(SchemaCodes.OutOfRange, span, { value: showValue(data), path: showPath(path), bound });
      }
    }
  }

  private wrongType(path: Path, expected: string[], data: unknown, schema: Schema, forms?: string, fixedAdvice?: string): Diagnostic {
    const exp = expected.map(typeWord);
    let advice = fixedAdvice ?? (forms ? `write one of: ${forms}` : '');
    const numberish = typeof data === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(data);
    const target = this.deref(schema);
    const values = Array.isArray(target.enum) ? target.enum : 'const' in target ? [target.const] : undefined;
    if (advice) {
      /* the forms say it all */
    } else if (values) advice = `allowed: ${values.map(String).join(', ')}`;
    else if ((expected.includes('integer') || expected.includes('number')) && numberish) advice = 'write the number without quotes';
    else if (expected.includes('string') && (typeof data === 'number' || typeof data === 'boolean')) {
      const ex = Array.isArray(this.deref(schema).examples) ? (this.deref(schema).examples as unknown[])[0] : undefined;
      advice = `quote it ("${String(data)}")` + (typeof ex === 'string' ? `; for example ${JSON.stringify(ex)}` : '');
      if (typeof ex === 'string' && /[0-9](ms|s|m|h)$/.test(ex) && typeof data === 'number' && data >= 0) advice = `a duration needs a unit, e.g. "${String(data)}s"`;
    } else if (data === null) advice = 'the value is empty: write a value after the colon, or remove the key';
    else if (expected.includes('array') && !Array.isArray(data)) advice = 'write a list: `[a, b]` or one `- item` per line';
    else if (expected.includes('integer') && typeof data === 'number') advice = 'write a whole number';
    return this.report(SchemaCodes.WrongType, this.valueSpan(path), { path: showPath(path), expected: orList(exp), actual: actualWord(data, expected), advice });
  }

  private unknownField(e: ErrorObject, path: Path, forms?: readonly Schema[]): Diagnostic {
    const field = String((e.params as { additionalProperty: string }).additionalProperty);
    const parent = e.parentSchema as Schema;
    const allowed = Object.keys((parent.properties ?? {}) as Schema);
    const info = this.c.info.get(parent);
    let suggestion = '';
    let context = path.length > 0 ? ` in ${showPath(path)}` : '';
    const near = this.nearField(e);
    if (info?.variant) {
      const { field: disc, value, union } = info.variant;
      context = `${context} (${disc}: ${value})`;
      const owners = (this.c.variantsOf.get(union) ?? [])
        .filter((v) => v.value !== value && Object.prototype.hasOwnProperty.call(((this.c.schema.definitions as Record<string, Schema>)[v.definition]?.properties ?? {}) as Schema, field))
        .map((v) => `${disc}: ${v.value}`);
      if (owners.length > 0 && !near) suggestion = `"${field}" belongs to ${owners.join(' or ')}; `;
    }
    if (near) suggestion = `did you mean "${near}"? `;
    else if (forms?.some((f) => Object.prototype.hasOwnProperty.call(f.properties ?? {}, field))) {
      suggestion = `these forms cannot be combined: write one of ${forms.map(showForm).join(', ')}; `;
    }
    suggestion += allowed.length > 0 ? `fields here: ${allowed.join(', ')}` : 'no fields are allowed here';
    return this.report(SchemaCodes.UnknownField, this.doc.span([...path, field], 'key'), { field, context, suggestion });
  }

  /** The allowed field nearest to an unknown one, if any. */
  private nearField(e: ErrorObject): string | undefined {
    const field = String((e.params as { additionalProperty: string }).additionalProperty);
    const allowed = Object.keys(((e.parentSchema as Schema).properties ?? {}) as Schema);
    return closest(field, allowed, { ignoreCase: true });
  }

  private missingField(e: ErrorObject, path: Path): Diagnostic {
    const field = String((e.params as { missingProperty: string }).missingProperty);
    const parent = e.parentSchema as Schema;
    const prop = ((parent.properties ?? {}) as Record<string, Schema>)[field];
    const parts: string[] = [];
    // In an open mapping (a discriminated union whose variant is unknown), a near key is likely
    // the misspelt field.
    const present = isObject(e.data) ? Object.keys(e.data) : [];
    const misspelt = present.find((k) => k !== field && !Object.prototype.hasOwnProperty.call(parent.properties ?? {}, k) && closest(k, [field], { ignoreCase: true }) !== undefined);
    const prefix = misspelt !== undefined ? `did you mean "${field}" instead of "${misspelt}"? ` : '';
    if (prop) {
      const target = this.deref(prop);
      const d = typeof prop.description === 'string' ? prop.description : typeof target.description === 'string' ? target.description : '';
      if (d) parts.push(`${field}: ${firstSentence(d)}`);
      const values = Array.isArray(prop.enum) ? prop.enum : Array.isArray(target.enum) ? target.enum : 'const' in target ? [target.const] : undefined;
      if (values) parts.push(`one of: ${values.map(String).join(', ')}`);
    }
    const info = this.c.info.get(parent);
    let context = path.length > 0 ? ` in ${showPath(path)}` : '';
    if (info?.variant) context = `${context} (${info.variant.field}: ${info.variant.value})`;
    return this.report(SchemaCodes.MissingField, this.doc.span(path, 'key'), { field, context, about: prefix + parts.join('; ') });
  }

  private badKey(path: Path, key: string, keySchema: Schema): Diagnostic {
    const { what, about } = this.describe(keySchema, path);
    return this.report(SchemaCodes.BadKey, this.doc.span([...path, key], 'key'), { key: JSON.stringify(key), path: showPath(path), what, about });
  }

  private duplicate(e: ErrorObject, path: Path): Diagnostic {
    const p = e.params as { i: number; j: number };
    const first = Math.min(p.i, p.j);
    const later = Math.max(p.i, p.j);
    const items = Array.isArray(e.data) ? e.data : [];
    const related: RelatedSpan[] = [{ span: this.doc.span([...path, first]), message: 'first here' }];
    return this.report(SchemaCodes.DuplicateItem, this.doc.span([...path, later]), { value: showValue(items[later]), path: showPath(path) }, related);
  }

  private itemCount(e: ErrorObject, path: Path): Diagnostic {
    const limit = Number((e.params as { limit: number }).limit);
    const isList = e.keyword.endsWith('Items');
    const count = isList ? (Array.isArray(e.data) ? e.data.length : 0) : isObject(e.data) ? Object.keys(e.data).length : 0;
    const unit = `${isList ? 'item' : 'entr'}${isList ? (count === 1 ? '' : 's') : count === 1 ? 'y' : 'ies'}`;
    const bound = e.keyword.startsWith('min') ? `it needs at least ${limit}` : `it takes at most ${limit}`;
    return this.report(SchemaCodes.ItemCount, this.doc.span(path), { path: showPath(path), count, unit, bound });
  }

  // -------------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------------

  /** What a string schema is (its type's name, or the field's) and a hint about its form. */
  private describe(schema: Schema, path: Path): { what: string; about: string } {
    const info = this.c.info.get(schema);
    const last = [...path].reverse().find((s) => typeof s === 'string');
    const what = info?.definition ? humanize(info.definition) : typeof last === 'string' ? last : 'value';
    const parts: string[] = [];
    const first = typeof schema.description === 'string' ? firstSentence(schema.description) : '';
    if (first) parts.push(first);
    if (first.includes('e.g.')) {
      /* the description has its own examples */
    } else if (Array.isArray(schema.examples) && schema.examples.length > 0) parts.push(`e.g. ${schema.examples.map(showValue).join(', ')}`);
    else if (typeof schema.pattern === 'string') parts.push(`it must match ${schema.pattern}`);
    return { what, about: parts.join('; ') };
  }

  /** The span of the value at `path`; for an empty value (`key:` and nothing), its key. */
  private valueSpan(path: Path): Span {
    const span = this.doc.span(path);
    if (this.valueAt(path) === null && span.line === span.endLine && span.column === span.endColumn && path.length > 0) {
      return this.doc.span(path, 'key');
    }
    return span;
  }

  private report(info: DiagnosticInfo, span: Span, args: DiagnosticArgs, related?: RelatedSpan[]): Diagnostic {
    return makeDiagnostic(info, span, args, related ? { related } : {});
  }

  /** A JSON pointer (relative to `data`) as path segments, list indexes as numbers. */
  private segments(pointer: string, data: unknown): Path {
    if (pointer === '') return [];
    const out: Path = [];
    let v: unknown = data;
    for (const raw of pointer.slice(1).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(v)) {
        const i = Number(seg);
        out.push(i);
        v = v[i];
      } else {
        out.push(seg);
        v = isObject(v) ? v[seg] : undefined;
      }
    }
    return out;
  }

  private valueAt(path: ValuePath): unknown {
    let v: unknown = this.doc.value;
    for (const seg of path) {
      if (Array.isArray(v)) v = v[seg as number];
      else if (isObject(v)) v = v[seg];
      else return undefined;
    }
    return v;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isPrefix(prefix: Path, path: Path): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

function pathKey(path: Path): string {
  return path.map(String).join('\0');
}

/** `spec.ports[0].port`; the document itself is "the document". */
export function showPath(path: ValuePath): string {
  if (path.length === 0) return 'the document';
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

function showValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (v === null || v === undefined) s = 'an empty value';
  else if (typeof v === 'object') s = Array.isArray(v) ? 'a list' : 'a mapping';
  else s = String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function typeWord(t: string): string {
  switch (t) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'null':
      return 'empty';
    default:
      return t;
  }
}

function actualWord(v: unknown, expected: string[]): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return expected.includes('integer') && !Number.isInteger(v) ? `a fraction (${v})` : `a number (${v})`;
  if (typeof v === 'boolean') return `${v}`;
  return `a string (${showValue(v)})`;
}

function orList(words: string[]): string {
  if (words.length <= 1) return words[0] ?? 'something else';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** `{exact: …}` for an object form (its required fields), the value for a constant. */
function showForm(s: Schema): string {
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(', ');
  const req = Array.isArray(s.required) ? (s.required as string[]) : Object.keys((s.properties ?? {}) as Schema).slice(0, 1);
  if (s.type === 'object' || req.length > 0) return `{ ${req.map((r) => `${r}: …`).join(', ')} }`;
  if (s.type === 'string' && Array.isArray(s.examples) && s.examples.length > 0) return `a string such as ${JSON.stringify(s.examples[0])}`;
  return typeof s.type === 'string' ? typeWord(s.type) : 'a value';
}

/** The first sentence (up to `.` or `:` before a space), without its final punctuation. */
function firstSentence(text: string): string {
  const line = text.split('\n')[0] ?? text;
  const re = /[.:](\s|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    const before = line.slice(0, m.index);
    if (/\b(e\.g|i\.e|etc)$/.test(before)) continue;
    return before;
  }
  return line;
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

const WORDS: Record<string, string> = { Http: 'HTTP', Cidr: 'CIDR', Jwt: 'JWT', Cors: 'CORS', Env: 'environment variable', Api: 'API' };

/** `HeaderName` → `header name`, `Cidr` → `CIDR`. */
function humanize(name: string): string {
  const words = name.match(/[A-Z][a-z0-9]*|[a-z0-9]+/g) ?? [name];
  return words.map((w) => WORDS[w] ?? w.toLowerCase()).join(' ');
}
