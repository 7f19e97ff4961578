/**
 * Sidecar config sizes: what one service's proxy loads, which must depend on what that service
 * `uses`, never on the size of the mesh.
 *
 * - Envoy: the bootstrap `envoy/<service>.yaml`.
 * - HAProxy: `haproxy/<service>.cfg` plus every file it loads, `haproxy/<service>.*` (maps, keys).
 *
 * Gateways (`gateway-<name>`) are not sidecars and are left out.
 * @module
 */
import type { OutputFile } from '../src/target/types.js';

/** Median sidecar config size in bytes per proxy, and how many sidecars each median is over. */
export interface SidecarSizes {
  envoy?: { median: number; count: number };
  haproxy?: { median: number; count: number };
}

/** The median of a list of numbers (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** An emitted file, or only its path and size (what a build that wrote its files as it went kept). */
export type SizedFile = OutputFile | { path: string; bytes: number };

function sizeOf(f: SizedFile): number {
  return 'bytes' in f ? f.bytes : Buffer.byteLength(f.content);
}

/** Bytes of each sidecar's config per proxy (service name → bytes). */
export function sidecarBytes(files: readonly SizedFile[]): { envoy: Map<string, number>; haproxy: Map<string, number> } {
  const envoy = new Map<string, number>();
  const haproxy = new Map<string, number>();
  for (const f of files) {
    const slash = f.path.indexOf('/');
    const dir = f.path.slice(0, slash);
    const base = f.path.slice(slash + 1);
    if (base.includes('/') || base.startsWith('gateway-')) continue;
    if (dir === 'envoy' && base.endsWith('.yaml')) {
      envoy.set(base.slice(0, -'.yaml'.length), sizeOf(f));
    } else if (dir === 'haproxy') {
      const owner = base.slice(0, base.indexOf('.'));
      haproxy.set(owner, (haproxy.get(owner) ?? 0) + sizeOf(f));
    }
  }
  return { envoy, haproxy };
}

/** Median sidecar sizes of the Envoy and HAProxy targets among `files` (absent when none). */
export function sidecarSizes(files: readonly SizedFile[]): SidecarSizes {
  const { envoy, haproxy } = sidecarBytes(files);
  const out: SidecarSizes = {};
  if (envoy.size > 0) out.envoy = { median: median([...envoy.values()]), count: envoy.size };
  if (haproxy.size > 0) out.haproxy = { median: median([...haproxy.values()]), count: haproxy.size };
  return out;
}
