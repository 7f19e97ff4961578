/**
 * What the nftables tests need from the machine (root, nft, network namespaces), and the rule for
 * when it is missing: skip loudly locally, fail under CI.
 */
import { spawnSync } from 'node:child_process';
import { namespaceRunner } from '../../targets/nftables/verify.js';

const runner = await namespaceRunner();

/** Why `nft` in a throw-away network namespace cannot run here, or undefined when it can. */
export const nftCheckUnavailable: string | undefined = 'skip' in runner ? runner.skip : undefined;

/** The command prefix that runs a command in a fresh network namespace (`unshare -n`), when possible. */
export const freshNamespace: string[] = 'prefix' in runner ? runner.prefix : [];

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
