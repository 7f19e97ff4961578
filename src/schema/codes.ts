/**
 * Diagnostics of schema validation (MC2xxx): one code per family of problem, each pointing at the
 * exact YAML node (the offending key for unknown fields, the mapping that lacks a required field,
 * the value otherwise).
 * @module
 */
import { defineCodes } from '../diagnostics/catalog.js';

export const SchemaCodes = defineCodes({
  UnknownField: {
    code: 'MC2001', severity: 'error', title: 'Unknown field',
    message: 'unknown field "{field}"{context}',
    hint: '{suggestion}',
    doc: 'The mapping has a key that this kind of resource (or this part of it) does not define. Every object in the meshc language is closed, so that a misspelt field (`timout:`) is an error instead of a setting that is silently ignored. The hint names the nearest valid field, or the fields allowed here; for Filters it also says which `type` of Filter a field belongs to.\n\nExample: `replica: 3` in `spec.workload` → write `replicas: 3`.',
  },
  MissingField: {
    code: 'MC2002', severity: 'error', title: 'Missing field',
    message: 'missing required field "{field}"{context}',
    hint: '{about}',
    doc: 'A field that this resource (or this part of it) needs is not there. The position is the mapping that lacks it (its key, or the first line of the document for `apiVersion` and `kind`).\n\nExample: a `ports` entry needs `name` and `port`: `- { name: http, port: 8080 }`.',
  },
  WrongType: {
    code: 'MC2003', severity: 'error', title: 'Wrong type',
    message: '{path} must be {expected}, not {actual}',
    hint: '{advice}',
    doc: 'The value has the wrong YAML type: a string where a number is expected, a single value where a list is expected, an empty value (`key:` with nothing after it), and so on. YAML guesses types from the text: `port: "8080"` is a string, `timeout: 5` is a number (durations need a unit: `5s`), `name: 2024` is a number (quote it).',
  },
  NotAllowed: {
    code: 'MC2004', severity: 'error', title: 'Value not allowed',
    message: '{value} is not allowed for {path}',
    hint: '{suggestion}allowed: {allowed}',
    doc: 'The field takes one of a fixed set of values (an enumeration such as `protocol: http | http2 | grpc | tcp`) and the value is none of them. Values are case-sensitive.',
  },
  BadFormat: {
    code: 'MC2005', severity: 'error', title: 'Malformed value',
    message: '{value} is not a valid {what}',
    hint: '{about}',
    doc: 'The string does not have the form this field requires: names are DNS-1123 labels (lower-case letters, digits and `-`, at most 63 characters), durations are a number with a unit (`250ms`, `5s`, `1m`, `1h`), networks are CIDRs (`10.0.0.0/16`), paths start with `/`, header names are lower-case tokens, and so on. These forms are what keeps every user string safe to write into a proxy configuration.',
  },
  BadLength: {
    code: 'MC2006', severity: 'error', title: 'Wrong length',
    message: '{path} is too {dir} ({length} characters; {bound})',
    doc: 'The string is longer (or shorter) than the field allows, e.g. a name over 63 characters (a Kubernetes and DNS limit).',
  },
  OutOfRange: {
    code: 'MC2007', severity: 'error', title: 'Number out of range',
    message: '{value} is out of range for {path}: {bound}',
    doc: 'The number is outside the range the field allows: ports are 1–65535, percentages 0–100, HTTP status codes 100–599, retry attempts 0–10, and so on.',
  },
  ItemCount: {
    code: 'MC2008', severity: 'error', title: 'Wrong number of items',
    message: '{path} has {count} {unit}; {bound}',
    doc: 'A list (or a map) has fewer or more entries than the field allows; for example a Route needs at least one rule and a Service at least one port. An empty list is almost always a mistake: leave the field out to get its default.',
  },
  DuplicateItem: {
    code: 'MC2009', severity: 'error', title: 'Duplicate item',
    message: 'duplicate item {value} in {path}',
    hint: 'remove one of them',
    doc: 'The list holds the same value twice, where each value must appear once (methods, ports of a Filter, hosts, retry conditions…).',
  },
  BadKey: {
    code: 'MC2010', severity: 'error', title: 'Malformed key',
    message: 'key {key} of {path} is not a valid {what}',
    hint: '{about}',
    doc: 'A key of a map has the wrong form: label keys follow Kubernetes rules, header names are lower-case tokens, version names are DNS-1123 labels, environment variable names are identifiers.',
  },
  NoVariant: {
    code: 'MC2011', severity: 'error', title: 'No matching form',
    message: '{path} matches none of the forms it can take',
    hint: 'write one of: {forms}',
    doc: 'The value can take one of several forms (for example a path match is `{ exact: … }`, `{ prefix: … }` or `{ regex: … }`), and it has none of their fields.',
  },
  Invalid: {
    code: 'MC2012', severity: 'error', title: 'Invalid value',
    message: '{path} is invalid ({keyword})',
    doc: 'The value breaks a rule of the schema that has no more specific diagnostic. Run `meshc schema` to see the schema, or set up your editor (README, "Editor set-up") to see the rule as you type.',
  },
});
