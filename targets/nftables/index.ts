/**
 * The `nftables` target: the mesh's Filters (their L4 part and rate limits) as one host ruleset,
 * `nftables/mesh.nft`, that every host of the mesh loads with `nft -f`. It owns one table,
 * `inet meshc`, replaced in one transaction on every load; other tables are never touched.
 *
 * Lookups are indexed: protected destinations sit in verdict maps keyed by `address . port`, Filter
 * sources in interval sets keyed by `source . address . port`, so the rules a packet meets do not
 * grow with the number of services or Filters.
 * @module
 */
import type { Target } from '../../src/target/types.js';
import { nftCodeList } from './codes.js';
import { buildModel } from './model.js';
import { renderRuleset } from './render.js';
import { verifyRulesets } from './verify.js';

/** The path of the one file this target emits. */
export const RULESET_PATH = 'nftables/mesh.nft';

const target: Target = {
  name: 'nftables',
  description: 'one nftables ruleset (nftables/mesh.nft) that every host loads: Filters on the endpoints of services and gateways',
  capabilities: [
    'allow and deny filters by source service, gateway or CIDR (IPv4 and IPv6)',
    'mesh default action (deny or allow) per port',
    'sidecar ports admit callers; app ports behind a sidecar admit loopback only',
    'services without sidecar protected on their own ports (host:port overrides)',
    'gateway listeners on their endpoints',
    'rate limits by source address or global, as new connections per period',
    'refused connections dropped or reset (Mesh spec.nftables.refuse)',
    'atomic reload of one owned table',
  ],
  codes: nftCodeList,
  emit(ir, ctx) {
    const model = buildModel(ir, ctx);
    return [{ path: RULESET_PATH, content: renderRuleset(model, ctx.meshcVersion) }];
  },
  verify(files, ctx) {
    return verifyRulesets(files, ctx.tmpDir);
  },
};

export default target;
