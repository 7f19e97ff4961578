/**
 * How the Kubernetes target deploys the proxies whose configs the Envoy and HAProxy targets emit:
 * which emitted files belong to which workload, where they are mounted, how the proxy is started.
 * @module
 */
import type { OutputFile, Target } from '../../src/target/types.js';
import { HAPROXY_CONFIG_DIR } from '../haproxy/index.js';

/** The proxy targets the Kubernetes target takes sidecar and gateway configs from. */
export interface ProxyTargets {
  /** The Envoy target (`envoy/…` files). */
  envoy?: Target;
  /** The HAProxy target (`haproxy/…` files). */
  haproxy?: Target;
}

/** What a proxy config is for. */
export interface ProxyOwner {
  /** A service sidecar or a gateway. */
  kind: 'service' | 'gateway';
  /** The service's or gateway's name. */
  name: string;
}

/** One file of a proxy's ConfigMap. */
export interface ProxyFile {
  /** Its ConfigMap key. */
  key: string;
  /** Its path relative to the mount directory (differs from `key` for files in subfolders). */
  path: string;
  /** Its content. */
  content: string;
}

/** How one proxy kind is deployed. */
export interface ProxyLayout {
  /** The proxy kind. */
  kind: 'envoy' | 'haproxy';
  /** The directory the proxy ConfigMap is mounted at (read-only). */
  configDir: string;
  /**
   * Indexes the proxy target's output once (linear), and returns the lookup of the files that
   * configure an owner (the main config first), or undefined when its main config is missing.
   * Each owner is looked up once: the index lets its files go then.
   */
  index(output: readonly OutputFile[]): (owner: ProxyOwner) => ProxyFile[] | undefined;
  /** The container's command (the image's entrypoint is bypassed). */
  command: readonly string[];
  /** The container's args, given the main config's absolute path. */
  args(mainConfig: string): string[];
  /** The non-root UID the proxy runs as (the user its official image creates). */
  runAsUser: number;
  /** Writable directories (each an emptyDir): the root filesystem is read-only. */
  writableDirs: readonly string[];
}

/** The Envoy sidecar/gateway: one bootstrap file per workload. */
export const envoyLayout: ProxyLayout = {
  kind: 'envoy',
  configDir: '/etc/meshc/envoy',
  index(output) {
    const byPath = new Map(output.map((f) => [f.path, f]));
    return (owner) => {
      const path = owner.kind === 'service' ? `envoy/${owner.name}.yaml` : `envoy/gateway-${owner.name}.yaml`;
      const main = byPath.get(path);
      byPath.delete(path);
      return main ? [{ key: 'envoy.yaml', path: 'envoy.yaml', content: main.content }] : undefined;
    };
  },
  command: ['envoy'],
  args: (main) => ['--config-path', main, '--disable-hot-restart', '--log-level', 'info'],
  runAsUser: 101,
  writableDirs: ['/tmp'],
};

/**
 * The HAProxy sidecar/gateway: `haproxy/<owner>.cfg` and the maps and keys it loads
 * (`haproxy/<owner>.*`, the HAProxy target's `filesOfProxy`), every one under its base name in
 * {@link HAPROXY_CONFIG_DIR}, as the HAProxy target's configs expect (`<owner>` is the service's
 * name or `gateway-<name>`).
 */
export const haproxyLayout: ProxyLayout = {
  kind: 'haproxy',
  configDir: HAPROXY_CONFIG_DIR,
  index(output) {
    // `haproxy/<owner>.<anything>`: owners are DNS labels, without dots (see filesOfProxy).
    const byOwner = new Map<string, OutputFile[]>();
    for (const f of output) {
      const m = /^haproxy\/([^/.]+)\./.exec(f.path);
      if (!m) continue;
      const list = byOwner.get(m[1]!) ?? [];
      list.push(f);
      byOwner.set(m[1]!, list);
    }
    return (owner) => {
      const base = owner.kind === 'service' ? owner.name : `gateway-${owner.name}`;
      const mine = byOwner.get(base) ?? [];
      byOwner.delete(base);
      const main = mine.find((f) => f.path === `haproxy/${base}.cfg`);
      if (!main) return undefined;
      const extras = mine.filter((f) => f !== main).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return [main, ...extras].map((f) => {
        const name = f.path.slice('haproxy/'.length);
        return { key: name, path: name, content: f.content };
      });
    };
  },
  command: ['haproxy'],
  args: (main) => ['-W', '-db', '-f', main],
  runAsUser: 99,
  writableDirs: ['/tmp'],
};

/** The layout of a proxy kind. */
export function layoutOf(kind: 'envoy' | 'haproxy'): ProxyLayout {
  return kind === 'envoy' ? envoyLayout : haproxyLayout;
}
