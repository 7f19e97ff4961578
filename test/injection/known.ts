/**
 * Injection cases known to break, each reported to its owner (/work/helpers/requests/reliability.md)
 * and kept as a regression fixture (fixtures/regressions/injection-*). A known case that stops
 * breaking fails the suite, so that it is removed here once fixed.
 * @module
 */
import type { CaseResult } from './harness.js';

/** Known broken cases: fields × hostile values, and the targets whose problems they explain. */
export interface KnownIssue {
  fields: string[];
  hostile: string[];
  targets: string[];
  owner: string;
  note: string;
}

const PERCENT = ['haproxy-sample', 'haproxy-var', 'percent', 'envoy-operator', 'envoy-req'];

export const KNOWN_INJECTION: KnownIssue[] = [
  {
    fields: ['SET_VALUE', 'ADD_VALUE', 'RESP_VALUE'],
    hostile: PERCENT,
    targets: ['envoy', 'kubernetes'],
    owner: 'envoy',
    note: 'header values are Envoy substitution formats: `%DOWNSTREAM_REMOTE_ADDRESS%` or `%REQ(authorization)%` are evaluated, a lone `%` is refused by Envoy at load; `%` must be written `%%`',
  },
  {
    fields: ['CONTENT_TYPE'],
    hostile: ['percent', 'envoy-operator'],
    targets: ['envoy', 'kubernetes'],
    owner: 'envoy',
    note: 'the content type of a direct response is written into response_headers_to_add, a substitution format: the same `%` problem',
  },
  {
    fields: ['CONTENT_TYPE'],
    hostile: ['long-100k'],
    targets: ['envoy'],
    owner: 'lead (schema) / envoy',
    note: 'contentType has no maxLength; Envoy refuses header values over 16 KiB (MC6102 from the verifier, no position)',
  },
  {
    fields: ['HEADER_EXACT', 'HEADER_PREFIX', 'QUERY_EXACT'],
    hostile: ['word-brace'],
    targets: ['haproxy'],
    owner: 'haproxy',
    note: 'a match value of exactly `}` ends the anonymous ACL `{ … -m str -- } }` (quoting does not help: HAProxy compares the unquoted word); haproxy -c refuses the config',
  },
  {
    fields: ['BODY', 'HEADER_REGEX', 'QUERY_REGEX', 'PATH_REGEX', 'REWRITE_PATTERN'],
    hostile: ['nul'],
    targets: ['haproxy'],
    owner: 'haproxy',
    note: 'MC7006 (NUL) is reported at the rule, not at the field that holds the NUL',
  },
  {
    fields: ['CERT_FILE_HAPROXY'],
    hostile: ['empty', 'long-1k'],
    targets: ['haproxy'],
    owner: 'haproxy (verifier) / lead (checker)',
    note: 'certificateFile "/etc/ssl/" (a directory) or with a 1000-character file name passes the checker, and the haproxy verifier throws (EISDIR / ENAMETOOLONG) instead of reporting',
  },
];

/** The known issue that explains a broken case (every problem of it is in a known target), if any. */
export function knownIssue(r: CaseResult): KnownIssue | undefined {
  return KNOWN_INJECTION.find((k) => k.fields.includes(r.field) && k.hostile.includes(r.hostile) && r.problems.every((p) => k.targets.includes(p.target)));
}
