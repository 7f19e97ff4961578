/**
 * The catalog of diagnostic codes. Each area of the compiler defines its entries with
 * `defineCodes` in its own module; targets register theirs through their `Target.codes`.
 *
 * Code ranges: MC1xxx loading files and YAML, MC2xxx schema validation, MC3xxx the checker,
 * MC4xxx lowering and target capabilities, MC5xxx output and the command line, MC6xxx Envoy,
 * MC7xxx HAProxy, MC8xxx nftables, MC9xxx Kubernetes. A code, once published, never changes meaning.
 * @module
 */
import type { DiagnosticArgs, DiagnosticInfo } from './types.js';

const registry = new Map<string, DiagnosticInfo>();

/**
 * Registers catalog entries and returns them keyed by a short constant name, so that reporters
 * write `report(Codes.DuplicateName, ...)`. Throws (a meshc bug) on a duplicate or malformed code.
 */
export function defineCodes<K extends string>(entries: Record<K, DiagnosticInfo>): Record<K, DiagnosticInfo> {
  for (const info of Object.values<DiagnosticInfo>(entries)) {
    if (!/^MC[1-9][0-9]{3}$/.test(info.code)) throw new Error(`meshc bug: malformed diagnostic code ${info.code}`);
    const prior = registry.get(info.code);
    if (prior && prior !== info) throw new Error(`meshc bug: diagnostic code ${info.code} defined twice`);
    registry.set(info.code, info);
  }
  return entries;
}

/** The entry for a code, if any module that defines it has been loaded. */
export function lookupCode(code: string): DiagnosticInfo | undefined {
  return registry.get(code.toUpperCase());
}

/** Every registered entry, sorted by code. */
export function allCodes(): DiagnosticInfo[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** Fills `{name}` placeholders; a missing argument stays visible as `{name}`. */
export function fillTemplate(template: string, args: DiagnosticArgs = {}): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key: string) =>
    Object.prototype.hasOwnProperty.call(args, key) ? String(args[key]) : whole,
  );
}
