/**
 * The Pod Security Standard "restricted" profile (policy version latest, which includes
 * baseline), as a checker of pod specs: what the Pod Security admission controller enforces in a
 * namespace labelled `pod-security.kubernetes.io/enforce: restricted`.
 * See https://kubernetes.io/docs/concepts/security/pod-security-standards/.
 * @module
 */

/** Loosely typed pod spec as found in a parsed manifest. */
type Obj = Record<string, unknown>;

const BASELINE_CAPS = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}
function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/**
 * Every violation of the restricted profile in a pod spec (and the pod template's annotations),
 * each a sentence naming the container or field; empty when the pod is admitted.
 */
export function restrictedViolations(podSpec: unknown, annotations: Record<string, string> = {}): string[] {
  const spec = obj(podSpec);
  const psc = obj(spec.securityContext);
  const out: string[] = [];
  const containers = [
    ...list(spec.initContainers).map((c) => ({ c, what: `init container "${String(c.name)}"` })),
    ...list(spec.containers).map((c) => ({ c, what: `container "${String(c.name)}"` })),
    ...list(spec.ephemeralContainers).map((c) => ({ c, what: `ephemeral container "${String(c.name)}"` })),
  ];
  if (containers.length === 0) out.push('the pod has no containers');

  // Baseline.
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[f] === true) out.push(`${f} is true`);
  if (obj(psc.windowsOptions).hostProcess === true) out.push('the pod is a Windows HostProcess pod');
  for (const v of list(spec.volumes)) {
    const types = Object.keys(v).filter((k) => k !== 'name');
    for (const t of types) if (!RESTRICTED_VOLUMES.has(t)) out.push(`volume "${String(v.name)}" has type ${t}`);
  }
  for (const s of list(psc.sysctls)) if (!SAFE_SYSCTLS.has(String(s.name))) out.push(`sysctl ${String(s.name)} is not a safe sysctl`);
  const checkSelinux = (se: Obj, what: string) => {
    if (se.type !== undefined && !SELINUX_TYPES.has(String(se.type))) out.push(`${what} sets SELinux type ${String(se.type)}`);
    if (se.user !== undefined || se.role !== undefined) out.push(`${what} sets an SELinux user or role`);
  };
  checkSelinux(obj(psc.seLinuxOptions), 'the pod');
  const checkAppArmor = (p: Obj, what: string) => {
    if (p.type !== undefined && p.type !== 'RuntimeDefault' && p.type !== 'Localhost') out.push(`${what} sets AppArmor profile ${String(p.type)}`);
  };
  checkAppArmor(obj(psc.appArmorProfile), 'the pod');
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !v.startsWith('localhost/')) {
      out.push(`annotation ${k} sets AppArmor profile ${v}`);
    }
  }

  // Restricted, pod level.
  if (psc.runAsUser === 0) out.push('the pod runs as UID 0');
  const podSeccomp = obj(psc.seccompProfile).type;
  const podSeccompOk = podSeccomp === 'RuntimeDefault' || podSeccomp === 'Localhost';
  if (podSeccomp !== undefined && !podSeccompOk) out.push(`the pod's seccomp profile is ${String(podSeccomp)}`);

  for (const { c, what } of containers) {
    const sc = obj(c.securityContext);
    if (obj(sc.windowsOptions).hostProcess === true) out.push(`${what} is a Windows HostProcess container`);
    if (sc.privileged === true) out.push(`${what} is privileged`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push(`${what} sets procMount ${String(sc.procMount)}`);
    for (const p of list(c.ports)) if (p.hostPort !== undefined && p.hostPort !== 0) out.push(`${what} uses host port ${String(p.hostPort)}`);
    checkSelinux(obj(sc.seLinuxOptions), what);
    checkAppArmor(obj(sc.appArmorProfile), what);
    const caps = obj(sc.capabilities);
    const add = Array.isArray(caps.add) ? caps.add.map(String) : [];
    for (const a of add) {
      if (!BASELINE_CAPS.has(a)) out.push(`${what} adds capability ${a}`);
      else if (a !== 'NET_BIND_SERVICE') out.push(`${what} adds capability ${a} (restricted allows only NET_BIND_SERVICE)`);
    }
    const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
    if (!drop.includes('ALL')) out.push(`${what} does not drop ALL capabilities`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${what} does not set allowPrivilegeEscalation: false`);
    if (sc.runAsNonRoot === false) out.push(`${what} sets runAsNonRoot: false`);
    else if (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true) out.push(`${what} may run as root (runAsNonRoot is not true)`);
    if (sc.runAsUser === 0) out.push(`${what} runs as UID 0`);
    const seccomp = obj(sc.seccompProfile).type;
    if (seccomp !== undefined && seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${what}'s seccomp profile is ${String(seccomp)}`);
    else if (seccomp === undefined && !podSeccompOk) out.push(`${what} has no RuntimeDefault or Localhost seccomp profile`);
  }
  return out;
}
