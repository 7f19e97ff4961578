/**
 * Envoy's v3 API, loaded once per process from the `.proto` files that `@grpc/grpc-js-xds` ships
 * (`deps/envoy-api`, `deps/xds`, `deps/googleapis`, `deps/protoc-gen-validate`) with protobufjs.
 *
 * Loading parses the bootstrap's closure (about 70 files, a few hundred milliseconds) and then, on
 * demand, the package of each extension met; the result is cached in the module, so every
 * verification in a process shares one instance. Types are resolved lazily, as the checker
 * meets them: a handful of protos refer to packages the npm package does not ship (OpenCensus,
 * OpenTelemetry, Prometheus); only those types stay unresolvable, and meshc never emits them.
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';

/** The loaded API. */
export interface EnvoyApi {
  /** The protobufjs root holding every loaded definition. */
  root: protobuf.Root;
  /** Milliseconds the loading took. */
  loadMs: number;
  /** Number of `.proto` files parsed. */
  files: number;
  /** Looks a message type up by full name (no leading dot); undefined when unknown. */
  message(fullName: string): protobuf.Type | undefined;
}

let cached: EnvoyApi | undefined;

/** Where the `.proto` trees are. */
export function protoRoots(): string[] {
  const require = createRequire(import.meta.url);
  const xds = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const pbjs = dirname(require.resolve('protobufjs/package.json'));
  const deps = join(xds, 'deps');
  return [join(deps, 'envoy-api'), join(deps, 'xds'), join(deps, 'googleapis'), join(deps, 'protoc-gen-validate'), pbjs];
}

/**
 * The API, loaded on first use: `envoy.config.bootstrap.v3.Bootstrap` with everything it imports,
 * and the xDS/UDPA typed structs. Any other message (the `@type` of a `typed_config`) is loaded on
 * demand from its package's folder (Envoy's layout maps `envoy.extensions.filters.http.cors.v3` to
 * `envoy/extensions/filters/http/cors/v3/`), so a lookup finds every message the shipped API has.
 */
export function envoyApi(): EnvoyApi {
  if (cached) return cached;
  const t0 = performance.now();
  const roots = protoRoots();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (isAbsolute(target) && existsSync(target)) return target;
    for (const r of roots) {
      const p = join(r, target);
      if (existsSync(p)) return p;
    }
    // An import the npm package does not ship (tracing/metrics protos meshc never uses): skip it.
    return null as unknown as string;
  };
  // loadSync resolves every type at the end, which fails on the few types whose imports are not
  // shipped; types are resolved lazily instead (Field.resolve on first use).
  const r = root as unknown as { resolveAll: () => unknown };
  r.resolveAll = () => root;
  const load = (files: string[]) => {
    if (files.length > 0) root.loadSync(files, { keepCase: true });
  };
  load(['envoy/config/bootstrap/v3/bootstrap.proto', 'xds/type/v3/typed_struct.proto', 'udpa/type/v1/typed_struct.proto'].filter((f) => roots.some((x) => existsSync(join(x, f)))));
  const triedDirs = new Set<string>();
  /** Loads the package folder that may define `fullName`; true when it loaded something new. */
  const loadPackageOf = (fullName: string): boolean => {
    const parts = fullName.split('.');
    for (let n = parts.length - 1; n >= 1; n--) {
      const rel = parts.slice(0, n).join('/');
      for (const base of roots.slice(0, 4)) {
        const dir = join(base, rel);
        if (triedDirs.has(dir)) continue;
        triedDirs.add(dir);
        if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
        const files = readdirSync(dir).filter((f) => f.endsWith('.proto')).sort().map((f) => join(dir, f));
        if (files.length === 0) continue;
        load(files);
        return true;
      }
    }
    return false;
  };
  const types = new Map<string, protobuf.Type>();
  const find = (fullName: string): protobuf.Type | undefined => {
    try {
      const found = root.lookup('.' + fullName);
      return found instanceof protobuf.Type ? found : undefined;
    } catch {
      return undefined;
    }
  };
  cached = {
    root,
    loadMs: performance.now() - t0,
    get files() {
      return root.files.length;
    },
    message(fullName) {
      const name = fullName.replace(/^\./, '');
      let t = types.get(name);
      if (t) return t;
      t = find(name);
      while (!t && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) && loadPackageOf(name)) t = find(name);
      if (t) types.set(name, t);
      return t;
    },
  };
  return cached;
}
