/**
 * meshc's JSON Schema generator: the language's TypeScript types (src/dsl/types.ts) → JSON Schema
 * draft-07, written on the TypeScript compiler API.
 *
 * What it produces, and why:
 * - draft-07 (what yaml-language-server and VS Code handle best), root type `Resource`, one entry in
 *   `definitions` per named type reachable from it (sorted by name);
 * - descriptions from the doc comments; constraints and annotations from the tags documented at the
 *   top of src/dsl/types.ts (an unknown tag, a tag on the wrong kind of type, a missing doc comment
 *   or an unsupported TypeScript construct is an error of the generator, never silently dropped);
 * - interfaces → closed objects (`additionalProperties: false`), `extends` merged, optional members
 *   not `required`;
 * - string / number literal unions → `enum`, a single literal → `const`, other unions → `anyOf`
 *   (literals grouped into one `enum` branch);
 * - a union alias tagged `@discriminator FIELD` → an object that only constrains FIELD, and one
 *   `if`/`then` branch per variant whose `then` is the variant's closed object, so that an editor
 *   flags a field that is wrong for that `kind` / `type`;
 * - `Record<K, V>` → `additionalProperties: V`, plus `propertyNames` when K is a named alias;
 * - a property whose type is a named type → `$ref` with the property's own annotations (description,
 *   default, examples) beside it (editors merge them; validators ignore them, which is harmless);
 *   constraint tags on such a property are refused: put them on the named type.
 *
 * Output is deterministic: keywords in a fixed order, properties in declaration order, definitions
 * sorted, 2-space JSON with a trailing newline.
 * @module
 */
import { join } from 'node:path';
import ts from 'typescript';
import { packageRoot } from '../util/package.js';
import { compareStrings } from '../util/strings.js';

/** A JSON Schema (draft-07) object, as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

/** The `$id` of the generated schema. */
export const SCHEMA_ID = 'https://meshc.dev/schemas/v1alpha1/meshc.schema.json';

/** The root type of a mesh document. */
const ROOT_TYPE = 'Resource';

/** The order keywords are written in (anything else is a generator bug). */
const KEYWORD_ORDER = [
  '$schema', '$id', '$comment', '$ref', 'title', 'description',
  'type', 'const', 'enum', 'default', 'examples',
  'pattern', 'minLength', 'maxLength', 'format',
  'minimum', 'exclusiveMinimum', 'maximum',
  'items', 'minItems', 'maxItems', 'uniqueItems',
  'properties', 'required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'anyOf', 'allOf', 'if', 'then',
  'definitions',
];
const KEYWORD_RANK = new Map(KEYWORD_ORDER.map((k, i) => [k, i]));

/** Keywords whose value is user data (kept as is) rather than schemas. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'required', 'type']);

/** Tags understood on type aliases and properties (plus `@discriminator` on union aliases). */
const CONSTRAINT_TAGS = new Set([
  'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'integer',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
]);
const ANNOTATION_TAGS = new Set(['default', 'example']);

/** A doc comment, parsed: the description and the tags in order. */
interface DocComment {
  description: string;
  tags: { name: string; text: string }[];
}

type NamedDecl = ts.InterfaceDeclaration | ts.TypeAliasDeclaration;

/** Thrown for a construct the generator does not support; names the declaration. */
class GeneratorError extends Error {}

/**
 * Generates the schema from a types file (default: the package's src/dsl/types.ts). Throws on
 * anything it cannot express faithfully; it is a development tool, run by `npm run schema` and the
 * staleness test.
 */
export function generateSchema(typesFile: string = join(packageRoot(), 'src', 'dsl', 'types.ts')): JsonSchema {
  const program = ts.createProgram([typesFile], {
    noLib: true,
    noResolve: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const sf = program.getSourceFile(typesFile);
  if (!sf) throw new GeneratorError(`cannot read ${typesFile}`);
  return new Generator(sf, program.getTypeChecker()).run();
}

/** Renders a schema as the committed file's text: 2-space JSON and a trailing newline. */
export function renderSchema(schema: JsonSchema): string {
  return JSON.stringify(schema, null, 2) + '\n';
}

/** Generates and renders in one step. */
export function generateSchemaText(typesFile?: string): string {
  return renderSchema(generateSchema(typesFile));
}

class Generator {
  private readonly decls = new Map<string, NamedDecl>();
  private readonly definitions = new Map<string, JsonSchema>();
  private readonly pending: string[] = [];
  private readonly queued = new Set<string>();
  private readonly missingDocs: string[] = [];

  constructor(
    private readonly sf: ts.SourceFile,
    private readonly checker: ts.TypeChecker,
  ) {
    for (const st of sf.statements) {
      if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) {
        if (this.decls.has(st.name.text)) throw new GeneratorError(`${st.name.text}: declared twice (declaration merging is not supported)`);
        this.decls.set(st.name.text, st);
      }
    }
  }

  run(): JsonSchema {
    const rootDecl = this.decls.get(ROOT_TYPE);
    if (!rootDecl) throw new GeneratorError(`no type ${ROOT_TYPE} in ${this.sf.fileName}`);
    const root = this.namedSchema(rootDecl);
    while (this.pending.length > 0) {
      const name = this.pending.shift()!;
      this.definitions.set(name, this.namedSchema(this.decls.get(name)!));
    }
    if (this.missingDocs.length > 0) {
      throw new GeneratorError(`missing doc comments (every type and field is documented): ${this.missingDocs.join(', ')}`);
    }
    const defs: JsonSchema = {};
    for (const name of [...this.definitions.keys()].sort(compareStrings)) defs[name] = this.definitions.get(name)!;
    const { description, ...body } = root;
    const schema: JsonSchema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: SCHEMA_ID,
      $comment: 'Generated from src/dsl/types.ts by `npm run schema`; do not edit.',
      title: 'meshc resource (meshc/v1alpha1)',
      description: String(description ?? ''),
      ...body,
      definitions: defs,
    };
    return canonical(schema, '') as JsonSchema;
  }

  /** A `$ref` to a named type, queueing its definition. */
  private ref(name: string): JsonSchema {
    if (name === ROOT_TYPE) throw new GeneratorError(`${ROOT_TYPE} is the root type and cannot be referenced`);
    if (!this.queued.has(name)) {
      this.queued.add(name);
      this.pending.push(name);
    }
    return { $ref: `#/definitions/${name}` };
  }

  /** The schema of a named declaration (a definition, or the root). */
  private namedSchema(decl: NamedDecl): JsonSchema {
    const name = decl.name.text;
    if (decl.typeParameters?.length) throw new GeneratorError(`${name}: generic types are not supported`);
    const doc = this.doc(decl, name);
    let schema: JsonSchema;
    const discriminator = doc.tags.filter((t) => t.name === 'discriminator');
    if (discriminator.length > 0) {
      if (!ts.isTypeAliasDeclaration(decl) || !(ts.isUnionTypeNode(decl.type) || ts.isTypeReferenceNode(decl.type))) {
        throw new GeneratorError(`${name}: @discriminator belongs on a union of interfaces`);
      }
      schema = this.discriminated(name, decl.type, discriminator[0]!.text.trim());
    } else if (ts.isInterfaceDeclaration(decl)) {
      schema = this.objectSchema(name, this.interfaceMembers(decl));
    } else {
      schema = this.typeSchema(decl.type, name);
    }
    return this.annotate(schema, doc, name, { allowDiscriminator: true });
  }

  /** Members of an interface, bases first (`extends` merged; an own member overrides a base one). */
  private interfaceMembers(decl: ts.InterfaceDeclaration, seen = new Set<string>()): ts.PropertySignature[] {
    const name = decl.name.text;
    if (seen.has(name)) throw new GeneratorError(`${name}: circular extends`);
    seen.add(name);
    const byName = new Map<string, ts.PropertySignature>();
    for (const clause of decl.heritageClauses ?? []) {
      for (const t of clause.types) {
        if (!ts.isIdentifier(t.expression) || t.typeArguments?.length) {
          throw new GeneratorError(`${name}: only plain interface names may be extended`);
        }
        const base = this.resolve(t.expression);
        if (!base || !ts.isInterfaceDeclaration(base)) throw new GeneratorError(`${name}: extends ${t.expression.text}, which is not an interface of this file`);
        for (const m of this.interfaceMembers(base, new Set(seen))) byName.set(propName(m), m);
      }
    }
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m)) throw new GeneratorError(`${name}: only property members are supported`);
      byName.set(propName(m), m);
    }
    return [...byName.values()];
  }

  /** A closed object from property signatures. */
  private objectSchema(where: string, members: readonly ts.TypeElement[]): JsonSchema {
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const m of members) {
      if (!ts.isPropertySignature(m)) throw new GeneratorError(`${where}: only property members are supported`);
      const key = propName(m);
      const at = `${where}.${key}`;
      if (!m.type) throw new GeneratorError(`${at}: a property needs a type`);
      const doc = this.doc(m, at);
      properties[key] = this.annotate(this.typeSchema(m.type, at), doc, at, { allowDiscriminator: false });
      if (!m.questionToken) required.push(key);
    }
    const schema: JsonSchema = { type: 'object', properties };
    if (required.length > 0) schema.required = required;
    schema.additionalProperties = false;
    return schema;
  }

  /** The schema of a type node (no annotations of its own). */
  private typeSchema(node: ts.TypeNode, where: string): JsonSchema {
    if (ts.isParenthesizedTypeNode(node)) return this.typeSchema(node.type, where);
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'number' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
    }
    if (ts.isLiteralTypeNode(node)) return literalSchema([literalValue(node, where)]);
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: this.typeSchema(node.elementType, `${where}[]`) };
    if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) return this.typeSchema(node.type, where);
    if (ts.isTypeLiteralNode(node)) return this.objectSchema(where, node.members);
    if (ts.isUnionTypeNode(node)) return this.unionSchema(node, where);
    if (ts.isTypeReferenceNode(node)) return this.referenceSchema(node, where);
    throw new GeneratorError(`${where}: unsupported type \`${node.getText(this.sf)}\``);
  }

  private referenceSchema(node: ts.TypeReferenceNode, where: string): JsonSchema {
    if (!ts.isIdentifier(node.typeName)) throw new GeneratorError(`${where}: qualified type names are not supported`);
    const name = node.typeName.text;
    const decl = this.resolve(node.typeName);
    if (decl) {
      if (node.typeArguments?.length) throw new GeneratorError(`${where}: generic types are not supported`);
      return this.ref(name);
    }
    const args = node.typeArguments ?? [];
    if ((name === 'Array' || name === 'ReadonlyArray') && args.length === 1) {
      return { type: 'array', items: this.typeSchema(args[0]!, `${where}[]`) };
    }
    if (name === 'Record' && args.length === 2) {
      const k = args[0]!;
      const v = args[1]!;
      const schema: JsonSchema = { type: 'object', additionalProperties: this.typeSchema(v, `${where}{}`) };
      if (ts.isTypeReferenceNode(k)) {
        const keySchema = this.typeSchema(k, `${where}{key}`);
        const keyDecl = ts.isIdentifier(k.typeName) ? this.resolve(k.typeName) : undefined;
        if (!keyDecl || !ts.isTypeAliasDeclaration(keyDecl) || this.typeSchema(keyDecl.type, `${where}{key}`).type !== 'string') {
          throw new GeneratorError(`${where}: a Record key must be string or an alias of string`);
        }
        schema.propertyNames = keySchema;
      } else if (k.kind !== ts.SyntaxKind.StringKeyword) {
        throw new GeneratorError(`${where}: a Record key must be string or an alias of string`);
      }
      return schema;
    }
    throw new GeneratorError(`${where}: unknown type ${name}`);
  }

  /** A union without a discriminator: literals → enum, anything else → anyOf. */
  private unionSchema(node: ts.UnionTypeNode, where: string): JsonSchema {
    const members = flattenUnion(node);
    const literals: (string | number | boolean)[] = [];
    const others: ts.TypeNode[] = [];
    for (const m of members) {
      const isNull = ts.isLiteralTypeNode(m) && m.literal.kind === ts.SyntaxKind.NullKeyword;
      if (isNull || m.kind === ts.SyntaxKind.UndefinedKeyword) {
        throw new GeneratorError(`${where}: null / undefined in unions are not supported (use an optional property)`);
      } else if (ts.isLiteralTypeNode(m)) literals.push(literalValue(m, where));
      else others.push(m);
    }
    if (others.length === 0) return literalSchema(literals);
    const branches: JsonSchema[] = [];
    if (literals.length > 0) {
      const kinds = new Set(literals.map((l) => typeof l));
      for (const kind of [...kinds].sort()) branches.push(literalSchema(literals.filter((l) => typeof l === kind)));
    }
    for (const m of others) branches.push(this.typeSchema(m, where));
    const schema: JsonSchema = {};
    // A union of objects only is an object: a value of another type gets one clear "wrong type".
    if (literals.length === 0 && others.every((m) => this.isObjectType(m))) schema.type = 'object';
    schema.anyOf = branches;
    return schema;
  }

  /** Whether a type node is an object type (an interface, or a type literal). */
  private isObjectType(node: ts.TypeNode): boolean {
    if (ts.isTypeLiteralNode(node)) return true;
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const d = this.resolve(node.typeName);
      return !!d && ts.isInterfaceDeclaration(d);
    }
    return false;
  }

  /**
   * A union of interfaces keyed on a discriminator field: the outer object only constrains the
   * field; each variant is an `if` (field = its value) / `then` (its closed object) branch.
   */
  private discriminated(name: string, node: ts.TypeNode, field: string): JsonSchema {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new GeneratorError(`${name}: @discriminator needs a field name`);
    const values: string[] = [];
    const branches: JsonSchema[] = [];
    let fieldDescription: string | undefined;
    for (const m of flattenUnion(node)) {
      if (!ts.isTypeReferenceNode(m) || !ts.isIdentifier(m.typeName)) throw new GeneratorError(`${name}: a discriminated union is a union of interface names`);
      const variant = this.resolve(m.typeName);
      if (!variant || !ts.isInterfaceDeclaration(variant)) throw new GeneratorError(`${name}: ${m.typeName.text} is not an interface of this file`);
      const prop = this.interfaceMembers(variant).find((p) => propName(p) === field);
      const t = prop?.type && ts.isLiteralTypeNode(prop.type) ? prop.type : undefined;
      if (!prop || prop.questionToken || !t || !ts.isStringLiteral(t.literal)) {
        throw new GeneratorError(`${name}: variant ${m.typeName.text} needs a required string-literal field ${field}`);
      }
      const value = t.literal.text;
      if (values.includes(value)) throw new GeneratorError(`${name}: two variants have ${field}: ${value}`);
      values.push(value);
      fieldDescription ??= this.doc(prop, `${m.typeName.text}.${field}`).description || undefined;
      branches.push({
        if: { properties: { [field]: { const: value } }, required: [field] },
        then: this.ref(m.typeName.text),
      });
    }
    const fieldSchema: JsonSchema = {};
    if (fieldDescription) fieldSchema.description = fieldDescription;
    fieldSchema.type = 'string';
    fieldSchema.enum = values;
    return { type: 'object', properties: { [field]: fieldSchema }, required: [field], allOf: branches };
  }

  /** Adds the description and the tags of a doc comment to a schema. */
  private annotate(schema: JsonSchema, doc: DocComment, where: string, opts: { allowDiscriminator: boolean }): JsonSchema {
    const out: JsonSchema = { ...schema };
    if (doc.description) out.description = doc.description;
    const examples: unknown[] = [];
    for (const tag of doc.tags) {
      const text = tag.text.trim();
      if (tag.name === 'discriminator' && opts.allowDiscriminator) continue;
      if (ANNOTATION_TAGS.has(tag.name)) {
        const value = parseJson(text, `${where} @${tag.name}`);
        if (tag.name === 'default') {
          if ('default' in out) throw new GeneratorError(`${where}: @default given twice`);
          out.default = value;
        } else examples.push(value);
        continue;
      }
      if (!CONSTRAINT_TAGS.has(tag.name)) throw new GeneratorError(`${where}: unknown tag @${tag.name}`);
      if ('$ref' in out) {
        throw new GeneratorError(`${where}: @${tag.name} on a property of a named type: put the constraint on the type itself`);
      }
      applyConstraint(out, tag.name, text, where);
    }
    if (examples.length > 0) out.examples = examples;
    return out;
  }

  /** The declaration a type name refers to, when it is an interface or alias of this file. */
  private resolve(id: ts.Identifier): NamedDecl | undefined {
    const sym = this.checker.getSymbolAtLocation(id);
    const decl = sym?.declarations?.[0];
    if (decl && (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) && decl.getSourceFile() === this.sf) return decl;
    return undefined;
  }

  /** The doc comment of a node, parsed from its raw text; records a missing one. */
  private doc(node: ts.Node, where: string): DocComment {
    const jsDocs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    const last = jsDocs[jsDocs.length - 1];
    if (!last) {
      this.missingDocs.push(where);
      return { description: '', tags: [] };
    }
    const parsed = parseDocComment(this.sf.text.slice(last.pos, last.end));
    if (!parsed.description) this.missingDocs.push(where);
    return parsed;
  }
}

/** A property's name (identifier or string literal). */
function propName(m: ts.PropertySignature): string {
  if (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) return m.name.text;
  throw new GeneratorError(`unsupported property name ${m.name.getText()}`);
}

function flattenUnion(node: ts.TypeNode): ts.TypeNode[] {
  if (ts.isParenthesizedTypeNode(node)) return flattenUnion(node.type);
  if (ts.isUnionTypeNode(node)) return node.types.flatMap(flattenUnion);
  return [node];
}

function literalValue(node: ts.LiteralTypeNode, where: string): string | number | boolean {
  const l = node.literal;
  if (ts.isStringLiteral(l) || ts.isNoSubstitutionTemplateLiteral(l)) return l.text;
  if (ts.isNumericLiteral(l)) return Number(l.text);
  if (l.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (l.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isPrefixUnaryExpression(l) && l.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(l.operand)) return -Number(l.operand.text);
  throw new GeneratorError(`${where}: unsupported literal type`);
}

/** `const` for one literal, `enum` for several; all of one JSON type. */
function literalSchema(values: (string | number | boolean)[]): JsonSchema {
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size !== 1) throw new GeneratorError(`literal union mixes ${[...kinds].join(' and ')}: not supported`);
  const kind = [...kinds][0];
  if (kind === 'boolean' && values.length === 2 && values[0] !== values[1]) return { type: 'boolean' };
  const type = kind === 'number' ? (values.every((v) => Number.isInteger(v)) ? 'integer' : 'number') : kind;
  const unique = [...new Set(values)];
  return unique.length === 1 ? { type, const: unique[0] } : { type, enum: unique };
}

const STRING_TAGS = new Set(['pattern', 'minLength', 'maxLength']);
const NUMBER_TAGS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'integer']);
const ARRAY_TAGS = new Set(['minItems', 'maxItems', 'uniqueItems']);
const OBJECT_TAGS = new Set(['minProperties', 'maxProperties']);

/** Applies one constraint tag, checking that it fits the schema's type. */
function applyConstraint(schema: JsonSchema, tag: string, text: string, where: string): void {
  const type = schema.type;
  const fits =
    (STRING_TAGS.has(tag) && type === 'string') ||
    (NUMBER_TAGS.has(tag) && (type === 'number' || type === 'integer')) ||
    (ARRAY_TAGS.has(tag) && type === 'array') ||
    (OBJECT_TAGS.has(tag) && type === 'object' && !('properties' in schema));
  if (!fits) throw new GeneratorError(`${where}: @${tag} does not apply to a value of type ${String(type ?? 'union')}`);
  const key = tag === 'integer' ? 'type' : tag;
  if (key !== 'type' && key in schema) throw new GeneratorError(`${where}: @${tag} given twice`);
  switch (tag) {
    case 'pattern':
      if (!text) throw new GeneratorError(`${where}: @pattern needs a regular expression`);
      try {
        new RegExp(text, 'u');
      } catch (err) {
        throw new GeneratorError(`${where}: @pattern is not a valid regular expression: ${(err as Error).message}`);
      }
      schema.pattern = text;
      return;
    case 'integer':
      if (text) throw new GeneratorError(`${where}: @integer takes no value`);
      schema.type = 'integer';
      return;
    case 'uniqueItems':
      if (text) throw new GeneratorError(`${where}: @uniqueItems takes no value`);
      schema.uniqueItems = true;
      return;
    default: {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw new GeneratorError(`${where}: @${tag} needs a number, got "${text}"`);
      const counts = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
      if (counts.includes(tag) && (!Number.isInteger(n) || n < 0)) throw new GeneratorError(`${where}: @${tag} needs a non-negative integer`);
      schema[tag] = n;
    }
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GeneratorError(`${where}: not valid JSON: ${text}`);
  }
}

/**
 * Parses a raw `/** … *\/` comment: the description (paragraphs joined, list items kept on their
 * own lines) and the `@tag text` parts. As in TSDoc, a tag starts at an `@name` at the start of a
 * line or after whitespace (outside a backtick code span of the description); continuation lines
 * belong to the tag above.
 */
export function parseDocComment(raw: string): DocComment {
  const body = raw.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
  const lines = body.split(/\r?\n/).map((l) => l.replace(/^\s*\*(?!\/) ?/, '').replace(/\s+$/, ''));
  const descLines: string[] = [];
  const tags: { name: string; text: string }[] = [];
  const addText = (text: string, newLine: boolean) => {
    const t = tags[tags.length - 1];
    if (!t) descLines.push(text.trim());
    else if (text.trim()) t.text = t.text ? `${t.text}${newLine ? '\n' : ' '}${text.trim()}` : text.trim();
  };
  for (const line of lines) {
    let start = 0;
    let inCode = false;
    let first = true;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '`' && tags.length === 0) inCode = !inCode;
      if (ch !== '@' || inCode || (i > 0 && !/\s/.test(line[i - 1]!))) continue;
      const m = /^@([A-Za-z]+)(?=\s|$)/.exec(line.slice(i));
      if (!m) continue;
      if (i > start || !first) addText(line.slice(start, i), first);
      tags.push({ name: m[1]!, text: '' });
      start = i + m[0].length;
      i = start - 1;
      first = false;
    }
    if (start < line.length || first) addText(line.slice(start), first);
  }
  return { description: reflow(descLines), tags };
}

/** Joins comment lines: a paragraph becomes one line; list items and paragraphs keep their breaks. */
function reflow(lines: string[]): string {
  const out: string[] = [];
  let current = '';
  let blank = false;
  for (const line of lines) {
    if (!line) {
      blank = current !== '' || out.length > 0;
      continue;
    }
    const listItem = /^([-*]|\d+\.)\s/.test(line);
    if (current === '') current = line;
    else if (blank) {
      out.push(current, '');
      current = line;
    } else if (listItem) {
      out.push(current);
      current = line;
    } else current = `${current} ${line}`;
    blank = false;
  }
  if (current) out.push(current);
  return out.join('\n').trim();
}

/** Reorders keywords canonically (recursively); definitions are already sorted. */
function canonical(value: unknown, keyword: string): unknown {
  if (Array.isArray(value)) return DATA_KEYWORDS.has(keyword) ? value : value.map((v) => canonical(v, ''));
  if (value === null || typeof value !== 'object' || DATA_KEYWORDS.has(keyword)) return value;
  const obj = value as JsonSchema;
  if (keyword === 'properties' || keyword === 'definitions') {
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(obj)) out[k] = canonical(v, '');
    return out;
  }
  const keys = Object.keys(obj);
  for (const k of keys) if (!KEYWORD_RANK.has(k)) throw new GeneratorError(`meshc bug: unexpected keyword ${k}`);
  keys.sort((a, b) => KEYWORD_RANK.get(a)! - KEYWORD_RANK.get(b)!);
  const out: JsonSchema = {};
  for (const k of keys) out[k] = canonical(obj[k], k);
  return out;
}
