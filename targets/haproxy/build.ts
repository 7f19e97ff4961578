/**
 * Shared state while one proxy's config is built: its extra files (maps, keys), its backends, and
 * the diagnostics sink.
 * @module
 */
import type { EmitContext, OutputFile } from '../../src/target/types.js';
import type { CertPathsIR, Span } from '../../src/ir/types.js';
import type { DiagnosticArgs, DiagnosticInfo } from '../../src/diagnostics/types.js';
import { HaproxyCodes } from './codes.js';
import { hasNul } from './quote.js';

/** The directory, inside the proxy's filesystem, that holds every file of this target. */
export const HAPROXY_CONFIG_DIR = '/etc/meshc/haproxy';

/** Emit-time options (tests use them to keep listeners on loopback). */
export interface HaproxyEmitOptions {
  /**
   * The address that sidecar inbound ports and gateway listeners bind. Default: every IPv4 address
   * (plus every IPv6 address when the service or gateway has an IPv6 endpoint).
   */
  listenAddress?: string;
  /**
   * The directory the configs load their maps and keys from. Default {@link HAPROXY_CONFIG_DIR}
   * (where the Kubernetes target mounts them); tests point it at a scratch directory.
   */
  configDir?: string;
}

/** One proxy's config under construction. */
export class ProxyBuild {
  /** Extra files (maps, keys), in creation order. */
  readonly files: OutputFile[] = [];
  private readonly names = new Set<string>();

  constructor(
    /** The service name or `gateway-<name>`: the prefix of every file of this proxy. */
    readonly owner: string,
    /** The emit context (diagnostics). */
    readonly ctx: EmitContext,
    /** Where the mesh identity certificates are. */
    readonly certs: CertPathsIR,
    /** Options. */
    readonly options: HaproxyEmitOptions,
  ) {}

  /**
   * Adds a file `haproxy/<owner>.<suffix>` and returns its absolute path inside the proxy.
   * `suffix` is made of names, digits, `.` and `-` only.
   */
  addFile(suffix: string, content: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(suffix) || this.names.has(suffix)) {
      throw new Error(`meshc bug: bad or duplicate haproxy file suffix ${suffix}`);
    }
    this.names.add(suffix);
    const base = `${this.owner}.${suffix}`;
    this.files.push({ path: `haproxy/${base}`, content });
    return `${this.options.configDir ?? HAPROXY_CONFIG_DIR}/${base}`;
  }

  /** Reports a diagnostic from this target's catalog. */
  report(info: DiagnosticInfo, span: Span | undefined, args?: DiagnosticArgs): void {
    this.ctx.report(info, span, args);
  }

  /** Reports a feature HAProxy cannot express. */
  unsupported(feature: string, span: Span | undefined, detail?: string): void {
    this.ctx.unsupported(feature, span, detail);
  }

  /** Refuses a value with a NUL character; returns whether it is usable. */
  usable(value: string, what: string, span: Span | undefined): boolean {
    if (!hasNul(value)) return true;
    this.report(HaproxyCodes.Unrepresentable, span, { what, reason: 'a NUL character' });
    return false;
  }
}
