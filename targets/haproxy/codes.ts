/**
 * The HAProxy target's diagnostics (MC7000–MC7999). A code, once published, never changes meaning.
 * Features HAProxy cannot express at all are reported through `ctx.unsupported` (MC4001); these
 * codes cover what is specific to this target.
 * @module
 */
import { defineCodes } from '../../src/diagnostics/catalog.js';

/** Every diagnostic the HAProxy target reports. */
export const HaproxyCodes = defineCodes({
  VerifyFailed: {
    code: 'MC7001', severity: 'error', title: 'haproxy -c rejected a config',
    message: 'haproxy -c rejected {file}: {detail}',
    hint: 'this is a bug in meshc; please report it with the input that caused it',
    doc: 'meshc checks every emitted HAProxy config with `haproxy -c -f` (placeholder certificates stand in for the real ones, and the configs\' absolute paths are moved into a scratch directory for the check). A config that HAProxy rejects is a meshc bug, or a user regular expression that HAProxy\'s PCRE2 does not accept although it is valid RE2: the detail names the line.',
  },
  VerifyWarning: {
    code: 'MC7002', severity: 'warning', title: 'haproxy -c warned about a config',
    message: 'haproxy -c warned about {file}: {detail}',
    hint: 'this is probably a bug in meshc; please report it with the input that caused it',
    doc: 'HAProxy accepted an emitted config but printed a warning. meshc aims for configs that HAProxy accepts without warnings, so this is reported for a human to look at.',
  },
  JwksKey: {
    code: 'MC7003', severity: 'error', title: 'JWKS key not usable by HAProxy',
    message: 'filter {filter}: {reason}',
    hint: 'HAProxy 2.6 verifies a JWT against one public key file: give the filter a JWKS with exactly one RSA or EC signing key (RS256/384/512 or ES256/384/512)',
    doc: 'HAProxy 2.6 has no JWKS support: its `jwt_verify` converter checks a token\'s signature against one public key file, and it does not implement the PS* algorithms. meshc converts the single RSA or EC key of the filter\'s JWKS (`use: sig` or no `use`) to a PEM file and pins the token\'s `alg` to that key\'s algorithm (`alg` of the JWK, or RS256 for RSA and ES256/ES384/ES512 for the P-256/P-384/P-521 curves). A JWKS with no such key, or with several (key rotation), cannot be expressed; split the keys across Filters or use the Envoy target.',
  },
  EjectionCap: {
    code: 'MC7004', severity: 'warning', title: 'Ejections are not capped',
    message: 'HAProxy cannot cap ejected endpoints at {percent}%; every endpoint that reaches {errors} consecutive errors is marked down',
    hint: 'accept it, or set maxEjectionPercent: 100 to say so',
    doc: 'Outlier detection becomes `observe layer7` with `error-limit` and `on-error mark-down` on every server, and health checks bring a marked-down server back. HAProxy has no equivalent of Envoy\'s `max_ejection_percent`: any number of servers may be marked down at once (when all are down, requests get 503).',
  },
  RetryBudget: {
    code: 'MC7009', severity: 'warning', title: 'Retries in flight are not capped',
    message: 'HAProxy cannot cap the retries in flight at {max}; each request still retries at most as its route says',
    hint: 'accept it (remove circuitBreaker.maxRetries to say so), or use the Envoy target',
    doc: 'Envoy\'s `max_retries` circuit-breaker threshold bounds how many retries are in flight to a cluster at once, across all requests. HAProxy has no such budget: each request may retry as many times as its `retries.attempts` allows (`retries` on the backend), however many others are retrying. The per-request bound still holds.',
  },
  RetryTotal: {
    code: 'MC7010', severity: 'warning', title: 'Retries can outlast the request timeout',
    message: 'HAProxy cannot bound the whole request at {timeout}: {tries} tries of up to {perTry} each may take {total}',
    hint: 'make (attempts + 1) x perTryTimeout at most the timeout, or accept that the timeout bounds each try only',
    doc: 'HAProxy 2.6 has no timer for a whole request across retries: a rule\'s `retries.perTryTimeout` becomes the backend\'s `timeout server`, which bounds each try, and `retries.attempts` the backend\'s `retries`. The first try and its retries together may then take (attempts + 1) x perTryTimeout, longer than the rule\'s `timeout`, which Envoy enforces over all tries. Without `perTryTimeout`, `timeout server` is the whole timeout, and a try that times out is retried when the conditions include `5xx` (HAProxy\'s `response-timeout`): the tries may then take (attempts + 1) x the timeout. meshc warns (at `perTryTimeout`, or at the retries) when that product exceeds the timeout, instead of approximating silently.',
  },
  RateWindowTooLong: {
    code: 'MC7011', severity: 'error', title: 'Rate-limit window too long for HAProxy',
    message: 'filter {filter}: the window of {burst} requests at {requests} per {per} is {window}, longer than HAProxy\'s largest timer (2147483647 ms, about 24.8 days)',
    hint: 'shorten `per`, or lower `burst` relative to `requests`',
    doc: 'HAProxy enforces a rate limit as a sliding window: `burst` requests per `per x burst / requests`, a stick table whose `expire` and `gpc0_rate` period are that window. HAProxy timers hold at most 2147483647 ms (about 24.8 days), and `haproxy -c` refuses a longer one. meshc refuses the limit at its `per` value instead of writing a config HAProxy would not load; clamping the window would change the limit (a shorter window with the same burst admits more requests).',
  },
  TooManyRateLimits: {
    code: 'MC7005', severity: 'error', title: 'Too many rate limits at one port',
    message: '{where} has {count} rate-limit filters; HAProxy 2.6 tracks at most 3 per request',
    hint: 'merge the rate-limit Filters that target this port',
    doc: 'Each rate-limit Filter at a port becomes one stick table tracked with `track-sc0`, `track-sc1` or `track-sc2`; HAProxy 2.6 has three tracking slots per stream.',
  },
  Unrepresentable: {
    code: 'MC7006', severity: 'error', title: 'Value cannot be written into an HAProxy config',
    message: '{what} contains {reason}, which HAProxy cannot represent',
    hint: 'remove that character',
    doc: 'HAProxy stores strings as C strings, so a NUL character cannot appear in any value of its configuration. meshc refuses such a value instead of truncating it.',
  },
  BodyNotAllowed: {
    code: 'MC7007', severity: 'error', title: 'Response status cannot carry a body',
    message: 'a direct response with status {status} cannot have a body',
    hint: 'remove the body or choose another status',
    doc: 'HTTP responses with status 204 or 304 have no body; HAProxy refuses a `return` with one.',
  },
  OwnerCollision: {
    code: 'MC7008', severity: 'error', title: 'Gateway and service configs collide',
    message: 'gateway {gateway} would write haproxy/gateway-{gateway}.cfg, the config of service gateway-{gateway}',
    hint: 'rename the gateway or the service',
    doc: 'The HAProxy target writes `haproxy/<service>.cfg` for every service with a sidecar and `haproxy/gateway-<name>.cfg` for every gateway with `proxy: haproxy`, and both read their files from one directory. A service named `gateway-<name>` next to a gateway `<name>` would get the same file names.',
  },
});
