/**
 * The Envoy target's diagnostic catalog (MC6000–MC6999).
 *
 * - MC60xx: the verifier's structural checks against Envoy's v3 API (protobuf JSON/YAML mapping).
 * - MC61xx: the verifier's protoc-gen-validate rules (the `(validate.rules)` annotations).
 * - MC62xx: the verifier's checks of what Envoy itself refuses at start-up beyond the API.
 * - MC63xx: the emitter: mesh features that reach Envoy in a form it refuses.
 *
 * A verifier diagnostic is always a meshc bug (or an input the emitter should have refused): its
 * message names the emitted file, the line and column in it, and the path of the offending field.
 * @module
 */
import { defineCodes } from '../../src/diagnostics/catalog.js';
import type { DiagnosticInfo } from '../../src/diagnostics/types.js';

const bug = 'this is a bug in meshc\'s Envoy target: please report it with the mesh that produced it';

/** Every code of the Envoy target, keyed by a short name. */
export const EnvoyCodes = defineCodes({
  InvalidYaml: {
    code: 'MC6000', severity: 'error', title: 'Emitted Envoy config is not valid YAML',
    message: '{where}: {detail}', hint: bug,
    doc: 'An emitted Envoy bootstrap could not be parsed as YAML. Envoy would refuse to start. This is always a meshc bug.',
  },
  UnknownField: {
    code: 'MC6001', severity: 'error', title: 'Unknown field in Envoy config',
    message: '{where}: unknown field "{field}" in {type}', hint: bug,
    doc: 'The verifier checks every emitted bootstrap against `envoy.config.bootstrap.v3.Bootstrap` from Envoy\'s own v3 API definitions. Envoy refuses a static bootstrap with a field its API does not define (field names are accepted in snake_case or lowerCamelCase).',
  },
  WrongType: {
    code: 'MC6002', severity: 'error', title: 'Wrong value type in Envoy config',
    message: '{where}: {detail}', hint: bug,
    doc: 'A field of an emitted bootstrap holds a value of the wrong kind for its protobuf type (in the proto3 JSON mapping), e.g. a string where a message, a number or a list is expected, or an integer out of range.',
  },
  UnknownEnumValue: {
    code: 'MC6003', severity: 'error', title: 'Unknown enum value in Envoy config',
    message: '{where}: "{value}" is not a value of {type}', hint: bug,
    doc: 'An enum field of an emitted bootstrap names a value its enum does not define.',
  },
  BadDuration: {
    code: 'MC6004', severity: 'error', title: 'Malformed duration in Envoy config',
    message: '{where}: "{value}" is not a protobuf Duration (e.g. "1.5s")', hint: bug,
    doc: 'Durations in Envoy\'s YAML are strings of seconds with up to nine fractional digits and an `s` suffix, e.g. `0.250s`.',
  },
  OneofConflict: {
    code: 'MC6005', severity: 'error', title: 'Two fields of a oneof are set',
    message: '{where}: "{field}" and "{other}" belong to the oneof "{oneof}" of {type}: set at most one', hint: bug,
    doc: 'Protobuf oneofs hold one field at most; Envoy refuses a config that sets two of them.',
  },
  UnknownTypeUrl: {
    code: 'MC6006', severity: 'error', title: 'Unresolvable @type',
    message: '{where}: {detail}', hint: bug,
    doc: 'A `typed_config` (a `google.protobuf.Any`) must carry an `@type` of the form `type.googleapis.com/<message>` naming a message of Envoy\'s API; its other fields are then checked against that message.',
  },
  Deprecated: {
    code: 'MC6007', severity: 'error', title: 'Deprecated field in Envoy config',
    message: '{where}: {what} is deprecated{since}', hint: bug,
    doc: 'meshc never emits fields or enum values that Envoy\'s API marks deprecated (`[deprecated = true]`, `envoy.annotations.deprecated_at_minor_version`): Envoy warns about them, may refuse them under `--reject-deprecated`, and removes them later.',
  },
  DuplicateField: {
    code: 'MC6008', severity: 'error', title: 'Field set twice',
    message: '{where}: field "{field}" of {type} is set twice ({first} and {second})', hint: bug,
    doc: 'A field appears twice in one message, e.g. once in snake_case and once in lowerCamelCase.',
  },
  ExtensionCategory: {
    code: 'MC6009', severity: 'error', title: 'Extension of the wrong kind',
    message: '{where}: {type} is not {category}', hint: bug,
    doc: 'A `typed_config` holds a message that cannot serve there: e.g. an HTTP filter\'s config in a network filter.',
  },

  Required: {
    code: 'MC6101', severity: 'error', title: 'Required value missing (Envoy validation rule)',
    message: '{where}: {detail}', hint: bug,
    doc: 'A field or oneof that Envoy\'s validation rules require (`(validate.rules).message.required`, `(validate.required)` on a oneof, `duration.required`, `any.required`) is not set.',
  },
  StringRule: {
    code: 'MC6102', severity: 'error', title: 'String breaks an Envoy validation rule',
    message: '{where}: {detail}', hint: bug,
    doc: 'A string breaks a `(validate.rules).string` rule of Envoy\'s API: min_len, max_len, min_bytes, max_bytes, len, prefix, suffix, contains, pattern, const, in or not_in.',
  },
  HeaderRule: {
    code: 'MC6103', severity: 'error', title: 'Invalid HTTP header name or value',
    message: '{where}: {detail}', hint: bug,
    doc: 'A header name or value breaks the `well_known_regex` rule (HTTP_HEADER_NAME / HTTP_HEADER_VALUE) of Envoy\'s API: header names are tokens (optionally `:`-prefixed), and values contain no NUL, CR or LF (strict: no control characters at all).',
  },
  RepeatedRule: {
    code: 'MC6104', severity: 'error', title: 'List or map breaks an Envoy validation rule',
    message: '{where}: {detail}', hint: bug,
    doc: 'A repeated or map field breaks `(validate.rules).repeated` (min_items, max_items, unique) or `(validate.rules).map` (min_pairs, max_pairs).',
  },
  NumberRule: {
    code: 'MC6105', severity: 'error', title: 'Number out of the bounds of an Envoy validation rule',
    message: '{where}: {detail}', hint: bug,
    doc: 'A number (or a wrapped number) breaks a numeric `(validate.rules)` bound: const, gt, gte, lt, lte, in, not_in.',
  },
  DurationRule: {
    code: 'MC6106', severity: 'error', title: 'Duration out of the bounds of an Envoy validation rule',
    message: '{where}: {detail}', hint: bug,
    doc: 'A duration breaks a `(validate.rules).duration` bound: const, gt, gte, lt, lte, in, not_in.',
  },
  EnumRule: {
    code: 'MC6107', severity: 'error', title: 'Enum value breaks an Envoy validation rule',
    message: '{where}: {detail}', hint: bug,
    doc: 'An enum value breaks `(validate.rules).enum`: defined_only (a number that names no value), const, in or not_in.',
  },
  OtherRule: {
    code: 'MC6108', severity: 'error', title: 'Value breaks an Envoy validation rule',
    message: '{where}: {detail}', hint: bug,
    doc: 'A value breaks another `(validate.rules)` rule of Envoy\'s API (bool const, bytes lengths, any in/not_in).',
  },

  UnknownCluster: {
    code: 'MC6201', severity: 'error', title: 'Reference to an undefined cluster',
    message: '{where}: cluster "{cluster}" is not defined in static_resources.clusters', hint: bug,
    doc: 'Every cluster a route, a weighted cluster, a mirror policy or a tcp_proxy names must be defined: Envoy refuses a static bootstrap that names an unknown cluster.',
  },
  DuplicateName: {
    code: 'MC6202', severity: 'error', title: 'Duplicate name in Envoy config',
    message: '{where}: {what} "{name}" is defined twice', hint: bug,
    doc: 'Listener names, cluster names, listener addresses, virtual host names and virtual host domains within one route configuration must be unique; Envoy refuses duplicates.',
  },
  FilterChainOrder: {
    code: 'MC6203', severity: 'error', title: 'Filter chain not terminated correctly',
    message: '{where}: {detail}', hint: bug,
    doc: 'The last HTTP filter of an HTTP connection manager must be the router, and the last network filter of a chain must be a terminal filter (HTTP connection manager or tcp_proxy).',
  },
  StaticEndpoint: {
    code: 'MC6204', severity: 'error', title: 'STATIC cluster with a DNS name',
    message: '{where}: "{host}" is not an IP address, but cluster "{cluster}" is STATIC', hint: bug,
    doc: 'A STATIC cluster\'s endpoints must be IP addresses; names need STRICT_DNS.',
  },
  ProtectedHeader: {
    code: 'MC6205', severity: 'error', title: 'Header Envoy does not let a config modify',
    message: '{where}: header "{header}" cannot be added, set or removed', hint: bug,
    doc: 'Envoy refuses header manipulation of `:`-prefixed pseudo-headers and of `host`.',
  },
  BadRegex: {
    code: 'MC6206', severity: 'error', title: 'Regular expression RE2 does not compile',
    message: '{where}: RE2 refuses the regular expression "{regex}": {reason}', hint: bug,
    doc: 'Envoy compiles every RegexMatcher (`safe_regex`, `regex_rewrite.pattern`) with RE2 when it loads the config and refuses the config when one does not compile. `--verify` compiles each with RE2 (re2-wasm).',
  },

  HostConflict: {
    code: 'MC6301', severity: 'error', title: 'Two routes claim one host at a gateway listener',
    message: 'host "{host}" of gateway {gateway} listener {listener} is claimed by route {route} and by route {first}',
    hint: 'give each host to one Route per listener (merge the rules into one Route)',
    doc: 'Envoy matches the Host header to exactly one virtual host per listener and refuses a route configuration in which two virtual hosts share a domain. Two Routes attached to one Envoy gateway listener must not name the same host.',
  },
} as const satisfies Record<string, DiagnosticInfo>);

/** The catalog as a list, for `Target.codes`. */
export const envoyCodeList: readonly DiagnosticInfo[] = Object.values(EnvoyCodes);
