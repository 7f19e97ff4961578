/**
 * Structural scaling properties (issue #8), checked on small meshes — no timing here; speed is
 * measured by `npm run bench`:
 * - a sidecar's config depends on what its service uses, never on the size of the mesh (Envoy and
 *   HAProxy): the medians at 50 and 500 services are within 5%, and a service whose neighbourhood is
 *   the same in both meshes gets byte-identical sidecar files;
 * - the output grows by the same files per service (no file whose count grows faster);
 * - an HAProxy gateway keeps its routes in maps: its .cfg is the same for 10 and 1,000 routes.
 * The nftables rule count is tested in test/nftables/scale.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { gatewayMesh } from '../../bench/dataplane.js';
import { meshFiles, serviceName } from '../../bench/generate.js';
import { sidecarBytes, sidecarSizes } from '../../bench/sidecars.js';
import { compileMemory, type CompileResult } from '../../src/compiler.js';
import type { OutputFile } from '../../src/target/types.js';
import { emitHaproxy } from '../../targets/haproxy/index.js';

const SMALL = 50;
const LARGE = 500;

async function build(n: number, targets: string[]): Promise<CompileResult> {
  const r = await compileMemory(meshFiles(n), { targets });
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r;
}

/** The files of one sidecar: Envoy's bootstrap, or HAProxy's .cfg and everything it loads. */
function sidecarFiles(files: readonly OutputFile[], service: string): Record<string, string> {
  const mine = files.filter((f) => f.path === `envoy/${service}.yaml` || f.path.startsWith(`haproxy/${service}.`));
  return Object.fromEntries(mine.map((f) => [f.path, f.content]));
}

describe('sidecar configs do not grow with the mesh', () => {
  let small: CompileResult;
  let large: CompileResult;

  it(`builds the bench mesh at ${SMALL} and ${LARGE} services`, async () => {
    small = await build(SMALL, ['envoy', 'haproxy']);
    large = await build(LARGE, ['envoy', 'haproxy']);
    expect(sidecarBytes(small.files).envoy.size).toBe(SMALL);
    expect(sidecarBytes(large.files).haproxy.size).toBe(LARGE);
  });

  it('has median Envoy and HAProxy sidecar sizes within 5% of each other', () => {
    const a = sidecarSizes(small.files);
    const b = sidecarSizes(large.files);
    for (const proxy of ['envoy', 'haproxy'] as const) {
      const x = a[proxy]!.median;
      const y = b[proxy]!.median;
      expect(x).toBeGreaterThan(1000);
      expect(Math.abs(y - x) / x).toBeLessThanOrEqual(0.05);
    }
  });

  it('gives a service with the same neighbourhood byte-identical sidecar files in both meshes', () => {
    // Service 10 calls 11, 12, 13 and is called by 7, 8, 9 at either size.
    const svc = serviceName(10);
    const a = sidecarFiles(small.files, svc);
    expect(Object.keys(a).length).toBeGreaterThanOrEqual(2);
    expect(sidecarFiles(large.files, svc)).toEqual(a);
  });
});

describe('output grows linearly with the mesh', () => {
  it('writes the same number of files and about the same bytes per service at every size, for every target', async () => {
    const targets = ['envoy', 'haproxy', 'kubernetes', 'nftables'];
    const sizes = [SMALL, 2 * SMALL, 4 * SMALL];
    const builds = [];
    for (const n of sizes) builds.push(await build(n, targets));
    for (const t of targets) {
      const count = builds.map((b) => b.files.filter((f) => f.path.startsWith(`${t}/`)).length);
      const bytes = builds.map((b) => b.files.filter((f) => f.path.startsWith(`${t}/`)).reduce((s, f) => s + f.content.length, 0));
      // files(n) = a·n + b exactly: the step from 50 to 100 services equals half the step from 100 to 200.
      expect(2 * (count[1]! - count[0]!), `${t} file count ${count.join(', ')}`).toBe(count[2]! - count[1]!);
      // bytes per added service stay within 5% from one step to the next (nothing quadratic).
      const step1 = (bytes[1]! - bytes[0]!) / (sizes[1]! - sizes[0]!);
      const step2 = (bytes[2]! - bytes[1]!) / (sizes[2]! - sizes[1]!);
      expect(Math.abs(step2 - step1), `${t} bytes ${bytes.join(', ')}`).toBeLessThanOrEqual(0.05 * Math.max(step1, 1));
    }
  });
});

describe('an HAProxy gateway keeps its routes in maps', () => {
  const ports = { admin: 19000, gw: 18000, backend: 18080 };
  const gateway = async (routes: number): Promise<OutputFile[]> => {
    const r = await compileMemory(gatewayMesh(routes, ports), { targets: ['ir'] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const problems: string[] = [];
    const files = emitHaproxy(r.ir!, {
      meshcVersion: 'test',
      unsupported: (feature) => void problems.push(feature),
      report: (info) => void problems.push(info.code),
    });
    expect(problems).toEqual([]);
    return files;
  };

  it('emits the same gateway .cfg for 10 and 1,000 hosts and path prefixes; only the maps grow', async () => {
    const a = await gateway(10);
    const b = await gateway(1000);
    const cfg = (files: OutputFile[]) => files.find((f) => f.path === 'haproxy/gateway-edge.cfg')!.content;
    expect(cfg(b)).toBe(cfg(a));
    const lines = (files: OutputFile[], suffix: string) =>
      files.filter((f) => f.path.endsWith(suffix)).reduce((s, f) => s + f.content.split('\n').filter(Boolean).length, 0);
    expect(lines(a, '.hosts.map')).toBe(10);
    expect(lines(b, '.hosts.map')).toBe(1000);
    expect(lines(b, '.prefix.map')).toBe(1000);
    expect(b.map((f) => f.path)).toEqual(a.map((f) => f.path));
  });
});
