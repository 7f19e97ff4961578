/**
 * Deterministic YAML for Envoy. Key order is the order the emitter builds objects in (fixed by the
 * code; maps whose order is free are built sorted). No anchors or aliases. A string is written
 * plain only when nothing can read it as anything but that string — neither YAML 1.2 nor yaml-cpp
 * (which Envoy uses, and which reads `yes`, `on`, `y`, `0x10`… as bools and numbers); every other
 * string is double-quoted with YAML escapes (or a literal block when it spans lines), so no user
 * string can change the structure of the file.
 * @module
 */
import { Document, visit } from 'yaml';

const SAFE_PLAIN = /^[A-Za-z][A-Za-z0-9._/-]*$/;
const YAML11_WORDS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|nan|NaN|NAN|inf|Inf|INF)$/;

/** Serialises a JSON-like value to YAML, deterministically. */
export function toYaml(value: unknown, header?: string): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      const s = node.value;
      if (s.includes('\n') && !/[\u0000-\u0009\u000B-\u001F\u007F]/.test(s) && !/[ \t]$/m.test(s)) {
        node.type = 'BLOCK_LITERAL';
      } else if (!SAFE_PLAIN.test(s) || YAML11_WORDS.test(s)) {
        node.type = 'QUOTE_DOUBLE';
      } else {
        node.type = 'PLAIN';
      }
    },
  });
  const body = doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true, doubleQuotedAsJSON: true });
  return (header ? header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n') + '\n' : '') + body;
}
