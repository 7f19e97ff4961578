/**
 * Diagnostics of loading: files, YAML syntax, document envelopes, bounds. MC1xxx.
 * @module
 */
import { defineCodes } from '../diagnostics/catalog.js';

export const LoadCodes = defineCodes({
  InputNotFound: {
    code: 'MC1001', severity: 'error', title: 'Input not found',
    message: 'cannot read {path}: {reason}',
    hint: 'pass a mesh file or a directory of *.yaml / *.yml files',
    doc: 'The path given to meshc does not exist or cannot be read. A mesh is a YAML file or a directory tree of `*.yaml` / `*.yml` files.',
  },
  NoYamlFiles: {
    code: 'MC1002', severity: 'error', title: 'No mesh files',
    message: 'no *.yaml or *.yml files under {path}',
    hint: 'a mesh is a directory tree of *.yaml / *.yml files, each holding one or more resources',
    doc: 'The input directory holds no YAML files. meshc reads every `*.yaml` and `*.yml` file below the directory (hidden files and `node_modules` excepted).',
  },
  YamlSyntax: {
    code: 'MC1003', severity: 'error', title: 'YAML syntax error',
    message: 'YAML syntax error: {detail}',
    hint: 'check indentation, quoting and the `key: value` form around this position',
    doc: 'The file is not valid YAML. The position points at where the parser gave up; the mistake is often just before it (an unclosed quote, a tab used for indentation, a missing `:`).',
  },
  DuplicateKey: {
    code: 'MC1004', severity: 'error', title: 'Duplicate key',
    message: 'duplicate key "{key}" in the same mapping',
    hint: 'remove or rename one of them; YAML would otherwise silently keep only one',
    doc: 'A YAML mapping has the same key twice. Many YAML tools silently keep the last value; meshc refuses, because the lost value is almost always a mistake.',
  },
  UnknownKind: {
    code: 'MC1005', severity: 'error', title: 'Unknown kind',
    message: 'unknown kind "{kind}"',
    hint: 'kind is one of Mesh, Service, Route, Filter, Gateway{suggestion}',
    doc: 'Every document is one resource whose `kind` is `Mesh`, `Service`, `Route`, `Filter` or `Gateway`.',
  },
  UnknownApiVersion: {
    code: 'MC1006', severity: 'error', title: 'Unknown apiVersion',
    message: 'unknown apiVersion "{apiVersion}"',
    hint: 'this meshc reads apiVersion: meshc/v1alpha1',
    doc: 'Every document starts with `apiVersion: meshc/v1alpha1`. Other versions of the language are not understood by this compiler.',
  },
  MissingEnvelope: {
    code: 'MC1007', severity: 'error', title: 'Not a resource',
    message: 'a document must be a mapping with apiVersion, kind, metadata and spec; found {found}',
    hint: 'start the document with `apiVersion: meshc/v1alpha1` and `kind: ...`',
    doc: 'Each YAML document in a mesh is one resource in the Kubernetes style: a mapping with `apiVersion`, `kind`, `metadata` and `spec`. Empty documents (a lone `---`) are ignored.',
  },
  FileTooLarge: {
    code: 'MC1008', severity: 'error', title: 'File too large',
    message: 'file is {size} bytes, over the limit of {limit} bytes',
    hint: 'split the mesh into several files; a single resource is never this large',
    doc: 'meshc refuses files over 16 MiB (and a whole input over 256 MiB) so that a mistaken or hostile input cannot exhaust memory.',
  },
  TooManyDocuments: {
    code: 'MC1009', severity: 'error', title: 'Too many documents',
    message: 'the input has more than {limit} documents',
    hint: 'a mesh of this size is unexpected; check that the input path is right',
    doc: 'meshc bounds the number of resources in one mesh (100,000) so that a mistaken input cannot exhaust memory.',
  },
  AliasLimit: {
    code: 'MC1010', severity: 'error', title: 'Too many aliases',
    message: 'YAML aliases expand too much ({detail})',
    hint: 'write the values out, or use fewer aliases; meshc bounds alias expansion to stop "billion laughs" inputs',
    doc: 'YAML anchors and aliases (`&a` / `*a`) may be used, but their expansion is bounded: a document whose aliases would expand to more than a fixed number of nodes is refused.',
  },
  TooDeep: {
    code: 'MC1011', severity: 'error', title: 'Nesting too deep',
    message: 'nesting deeper than {limit} levels',
    hint: 'no meshc resource nests this deep; check the indentation',
    doc: 'meshc refuses documents nested more than 64 levels deep, which no resource needs, so that hostile input cannot exhaust the stack.',
  },
  TooManyNodes: {
    code: 'MC1012', severity: 'error', title: 'Document too large',
    message: 'document has more than {limit} values',
    hint: 'split it into several resources',
    doc: 'A single resource is bounded to 1,000,000 YAML values (scalars, lists and mappings).',
  },
  NotUtf8: {
    code: 'MC1013', severity: 'error', title: 'Not UTF-8',
    message: 'file is not valid UTF-8 text',
    hint: 'save the file as UTF-8',
    doc: 'Mesh files are UTF-8 text. A file with invalid UTF-8 sequences or NUL bytes is refused rather than guessed at.',
  },
  UnreadableFile: {
    code: 'MC1014', severity: 'error', title: 'Referenced file unreadable',
    message: 'cannot read {path}: {reason}',
    hint: 'paths are relative to the YAML file that names them',
    doc: 'A file that a resource refers to (a JWKS file of a jwt Filter) cannot be read. Paths are relative to the YAML file that names them.',
  },
  YamlWarning: {
    code: 'MC1015', severity: 'warning', title: 'YAML warning',
    message: 'YAML: {detail}',
    doc: 'The YAML parser accepted the file but noticed something questionable.',
  },
  NonStringKey: {
    code: 'MC1016', severity: 'error', title: 'Non-string key',
    message: 'mapping keys must be plain strings; found {found}',
    hint: 'quote the key',
    doc: 'Mapping keys in a mesh are strings. YAML allows lists, mappings or numbers as keys, which no resource uses.',
  },
  LinkNotFollowed: {
    code: 'MC1017', severity: 'warning', title: 'Link not followed',
    message: 'symbolic link {path} not followed: {reason}',
    hint: 'point the link at an existing file or directory of the mesh, or remove it',
    doc: 'meshc follows symbolic links in the input directory: a linked `*.yaml` / `*.yml` file is read under the link\'s path, a linked directory is walked. A link whose target does not exist (and whose name is not a mesh file\'s: a linked mesh file that cannot be read is MC1001) is skipped with this warning, and so is a directory link that leads back to a directory above it (or to one that holds the input), into the input itself (its directories are read as themselves), or to a directory already read through another link (each directory is read once), so that nothing is left out or read twice without a word.',
  },
  NotUnicode: {
    code: 'MC1018', severity: 'error', title: 'Not a Unicode character',
    message: 'this {what} holds half of a character: an escape of a lone UTF-16 surrogate (\\uD800–\\uDFFF)',
    hint: 'escape the whole character (\\U0001F600, or the pair \\uD83D\\uDE00), or write it as it is',
    doc: 'A double-quoted YAML string may escape a UTF-16 surrogate (`\\uD83D`) without its other half. The result is not Unicode text: no target can carry it (YAML and JSON readers such as kubectl refuse it), so meshc refuses it where it is written.',
  },
});
