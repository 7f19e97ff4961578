/**
 * Envoy's v3 API, loaded once per process from the `.proto` files that `@grpc/grpc-js-xds` ships
 * (`deps/envoy-api`, `deps/xds`, `deps/googleapis`, `deps/protoc-gen-validate`) with protobufjs.
 *
 * Loading parses a few hundred files (about half a second); the result is cached in the module, so
 * every verification in a process shares one instance. Types are resolved lazily, as the checker
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

function walk(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.proto')) out.push(p);
  }
  return out;
}

/**
 * The API, loaded on first use: every v3 `.proto` of Envoy (`envoy/**\/v3/*.proto`), the xDS and
 * UDPA type annotations and typed structs, and what they import.
 */
export function envoyApi(): EnvoyApi {
  if (cached) return cached;
  const t0 = performance.now();
  const roots = protoRoots();
  const envoyRoot = roots[0]!;
  const xdsRoot = roots[1]!;
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
  const files = walk(join(envoyRoot, 'envoy'), []).filter((f) => /\/v3\/[^/]+\.proto$/.test(f) || f.includes('/annotations/'));
  for (const extra of ['xds/type/v3/typed_struct.proto', 'udpa/type/v1/typed_struct.proto']) {
    const p = join(xdsRoot, extra);
    if (existsSync(p)) files.push(p);
  }
  // loadSync resolves every type at the end, which fails on the few types whose imports are not
  // shipped; types are resolved lazily instead (Field.resolve on first use).
  const r = root as unknown as { resolveAll: () => unknown };
  r.resolveAll = () => root;
  root.loadSync(files, { keepCase: true });
  delete (r as { resolveAll?: unknown }).resolveAll;
  const types = new Map<string, protobuf.Type | null>();
  cached = {
    root,
    loadMs: performance.now() - t0,
    files: root.files.length,
    message(fullName) {
      let t = types.get(fullName);
      if (t === undefined) {
        const found = root.lookup(fullName.startsWith('.') ? fullName : '.' + fullName);
        t = found instanceof protobuf.Type ? found : null;
        types.set(fullName, t);
      }
      return t ?? undefined;
    },
  };
  return cached;
}
