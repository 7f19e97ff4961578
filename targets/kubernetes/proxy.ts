/**
 * How the Kubernetes target deploys the proxies whose configs the Envoy and HAProxy targets emit:
 * which emitted files belong to which workload, where they are mounted, how the proxy is started.
 * @module
 */
import type { OutputFile, Target } from '../../src/target/types.js';

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
   * The emitted files that configure `owner` (the main config first), or undefined when its main
   * config is missing.
   */
  files(output: readonly OutputFile[], owner: ProxyOwner): ProxyFile[] | undefined;
  /** The container's command (the image's entrypoint is bypassed). */
  command: readonly string[];
  /** The container's args, given the main config's absolute path. */
  args(mainConfig: string): string[];
  /** The non-root UID the proxy runs as (the user its official image creates). */
  runAsUser: number;
  /** Writable directories (each an emptyDir): the root filesystem is read-only. */
  writableDirs: readonly string[];
}

/** Turns an emitted path below `prefix` into a ConfigMap key and a path under the mount. */
function mountFile(file: OutputFile, prefix: string): ProxyFile {
  const path = file.path.slice(prefix.length);
  return { key: path.replace(/\//g, '_'), path, content: file.content };
}

/** The Envoy sidecar/gateway: one bootstrap file per workload. */
export const envoyLayout: ProxyLayout = {
  kind: 'envoy',
  configDir: '/etc/meshc/envoy',
  files(output, owner) {
    const want = owner.kind === 'service' ? `envoy/${owner.name}.yaml` : `envoy/gateway-${owner.name}.yaml`;
    const main = output.find((f) => f.path === want);
    if (!main) return undefined;
    return [{ key: 'envoy.yaml', path: 'envoy.yaml', content: main.content }];
  },
  command: ['envoy'],
  args: (main) => ['--config-path', main, '--disable-hot-restart', '--log-level', 'info'],
  runAsUser: 101,
  writableDirs: ['/tmp'],
};

/**
 * The HAProxy sidecar/gateway: the `.cfg` file plus every file under the workload's folder of the
 * HAProxy output (maps, JWKS keys…), mounted so that the emitted tree below `haproxy/` is found at
 * the same relative paths under `configDir`.
 */
export const haproxyLayout: ProxyLayout = {
  kind: 'haproxy',
  configDir: '/etc/meshc/haproxy',
  files(output, owner) {
    const base = owner.kind === 'service' ? owner.name : `gateway-${owner.name}`;
    const main = output.find((f) => f.path === `haproxy/${base}.cfg`);
    if (!main) return undefined;
    const extras = output.filter((f) => f.path.startsWith(`haproxy/${base}/`));
    return [main, ...extras].map((f) => mountFile(f, 'haproxy/'));
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
