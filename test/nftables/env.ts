/**
 * What the nftables tests need from the machine (root, nft, network namespaces), and the rule for
 * when it is missing: skip loudly locally, fail under CI.
 */
import { spawnSync } from 'node:child_process';
import { namespaceRunner } from '../../targets/nftables/verify.js';

/** Why `nft -c` in a throw-away namespace cannot run here, or undefined when it can. */
export const nftCheckUnavailable: string | undefined = await (async () => {
  const r = await namespaceRunner();
  return 'skip' in r ? r.skip : undefined;
})();

/** Why real-packet tests (root, `ip netns`, veth, nft) cannot run here, or undefined when they can. */
export const netnsUnavailable: string | undefined = (() => {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root';
  for (const [cmd, args] of [['nft', ['--version']], ['ip', ['-V']]] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
    if (r.error) return `${cmd} is not installed`;
  }
  const name = `mcprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', name]);
  return undefined;
})();

/**
 * Announces a skipped suite: a warning locally; under CI (CI=true) an error, because CI must run it.
 * Returns whether the suite runs.
 */
export function mustRun(what: string, unavailable: string | undefined): boolean {
  if (unavailable === undefined) return true;
  if (process.env.CI) throw new Error(`${what} cannot run under CI: ${unavailable}`);
  console.warn(`\n*** SKIPPED: ${what}: ${unavailable} ***\n`);
  return false;
}
