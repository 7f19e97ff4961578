/**
 * The nftables target's diagnostics (MC8000–MC8999). A code, once published, never changes meaning.
 * @module
 */
import { defineCodes } from '../../src/diagnostics/catalog.js';

/** Every diagnostic the nftables target reports. */
export const NftCodes = defineCodes({
  L7ByProxy: {
    code: 'MC8001', severity: 'note', title: 'HTTP conditions are enforced by the proxy, not nftables',
    message: 'filter {filter}: nftables sees connections, not requests; its http conditions are enforced by {enforcer}',
    hint: 'nothing to do: nftables {l4}',
    doc: 'nftables filters packets, so it cannot look at HTTP methods or paths. An `allow` Filter with `http:` conditions admits its sources\' connections in nftables, and the sidecar (or gateway) then checks every request. A `deny` Filter with `http:` conditions refuses only some requests, so nftables does not refuse the connection at all; the proxy answers 403 to the matching requests.',
  },
  DnsEndpoint: {
    code: 'MC8002', severity: 'warning', title: 'DNS-name endpoint cannot be protected',
    message: '{owner}: endpoint "{host}" is a DNS name; nftables matches addresses, so connections to it are not filtered',
    hint: 'write the host\'s IPv4/IPv6 address in endpoints, or protect that host by other means',
    doc: 'The nftables ruleset matches the destination address of every packet. An endpoint given as a DNS name has no address at build time (names resolve at run time, and may change), so the ruleset cannot protect it: traffic to that host is not filtered by meshc\'s ruleset. Proxies still resolve and use the name. List the host\'s addresses instead when it should be protected.',
  },
  DnsSource: {
    code: 'MC8003', severity: 'warning', title: 'DNS-name source cannot be matched',
    message: 'filter {filter}: {source} has endpoint "{host}", a DNS name; nftables cannot {verb} traffic from it by address',
    hint: 'write that host\'s IPv4/IPv6 address in {source}\'s endpoints, or add a `cidr` source that covers it',
    doc: 'A Filter source (`from.service` or `from.gateway`) is matched in nftables by the endpoint addresses of that service or gateway. An endpoint given as a DNS name has no address at build time, so packets from that host do not match the Filter in nftables: an allow does not admit them (the default action applies), a deny does not refuse them.',
  },
  NoSourceAddress: {
    code: 'MC8004', severity: 'warning', title: 'Source has no address',
    message: 'filter {filter}: {source} has no endpoint addresses, so nftables cannot {verb} its traffic',
    hint: 'give {source} `endpoints` (the hosts it runs on), or add a `cidr` source for the network its traffic comes from (e.g. the pod network)',
    doc: 'nftables knows a service or gateway only by the addresses listed in its `endpoints`. One that runs only in Kubernetes has none, so a Filter naming it as a source matches nothing in the host ruleset: an allow does not admit it there (its connections meet the default action), a deny does not refuse it. Sidecars still match it by its mTLS identity. Add a `cidr` source for the network its connections come from when hosts outside Kubernetes must admit it; a Filter that already lists a `cidr` source gets no warning.',
  },
  RateIsConnections: {
    code: 'MC8005', severity: 'note', title: 'Rate limit counts new connections',
    message: 'filter {filter}: nftables limits new connections to {rate} (burst {burst}), not requests',
    hint: '{limits}',
    doc: 'nftables sees packets, not HTTP requests, so a `rateLimit` Filter becomes a limit on new TCP connections (SYN packets) at the same rate and burst: `by: source-ip` keeps one budget per client address, `global` one per host. Connections over the limit are refused like any refused connection (dropped or reset, per `Mesh.spec.nftables.refuse`). Sidecars and gateways additionally limit requests and answer 429; for a service without a sidecar, the connection limit is the only one.',
  },
  DestinationConflict: {
    code: 'MC8006', severity: 'error', title: 'Two destinations share an address and port',
    message: '{owner} and {other} both listen on {address} port {port}; one packet cannot follow both policies',
    hint: 'give one of them another port or another endpoint address',
    doc: 'The ruleset decides per destination (address, port). When two services, ports or gateway listeners claim the same address and port (for example two services on the same host with the same sidecar port, or an app port that equals a sidecar port), their Filters cannot both apply to one packet. Change one of the ports or endpoints.',
  },
  JwtByProxy: {
    code: 'MC8007', severity: 'note', title: 'JWT is enforced by the proxy, not nftables',
    message: 'filter {filter}: JWT validation is done by {enforcer}; nftables does not see tokens',
    doc: 'A `jwt` Filter needs the HTTP request, which nftables never sees. The sidecar or gateway validates the token; the nftables ruleset applies only the allow/deny and rate-limit Filters to the connection.',
  },
  RateRounded: {
    code: 'MC8008', severity: 'note', title: 'Rate rounded',
    message: 'filter {filter}: {requests} per {per} ms is not a whole number per week; nftables uses {rate}',
    doc: 'nftables expresses rates as a whole number per second, minute, hour, day or week. When the Filter\'s rate is none of these exactly, meshc rounds it up (to at most one more connection per week).',
  },
  VerifyFailed: {
    code: 'MC8009', severity: 'error', title: 'nft rejected the ruleset',
    message: 'nft -c rejected {file}: {detail}',
    hint: 'this is a bug in meshc; please report it with the input that caused it',
    doc: 'meshc checks every emitted ruleset with `nft -c -f` inside a fresh network namespace. A ruleset that nft rejects is a meshc bug, never a problem of the mesh.',
  },
});

/** The catalog entries, for `Target.codes`. */
export const nftCodeList = Object.values(NftCodes);
