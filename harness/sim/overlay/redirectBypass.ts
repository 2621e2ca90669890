// Cilium forwards pod packets with tc BPF redirects (bpf_redirect / bpf_redirect_peer from the lxc* and
// cilium_vxlan programs) instead of routing them through the host's IP stack. Its BPF programs cannot run here, but
// the kernel path they use can be measured: a tc redirect hands a frame from one device's ingress straight to
// another device's transmit, so the host namespace's netfilter hooks never see it. This builds two pods behind veths
// in one host namespace, counts the host's IP hooks with a probe, and pings once forwarded by tc (act_mirred, the
// same hand-over to dev_queue_xmit as bpf_redirect) and once routed by the host (as Calico does).
import { execFileSync } from "child_process";
import { installProbe, readProbe } from "./hookProbe";
import { addNamespace, macOf, nsSh } from "./netns";

/** Host-hook counts for pod-to-pod pings, tc-redirected and routed. */
export interface RedirectBypassResult {
  /** Packets the host's prerouting/forward/postrouting/input/output hooks saw while tc redirected the pings. */
  redirected: Record<string, number>;
  /** The same counters while the host routed the pings. */
  routed: Record<string, number>;
  /** Both pings got their replies. */
  pingsAnswered: boolean;
}

const HOOKS = ["prerouting", "input", "forward", "output", "postrouting"] as const;

function ping(ns: string, ip: string): boolean {
  try {
    execFileSync("ip", ["netns", "exec", ns, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", ip], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

/** Runs the measurement in namespaces named `<prefix>{host,p1,p2}`; the caller deletes them. */
export function measureRedirectBypass(prefix: string): RedirectBypassResult {
  const [host, p1, p2] = ["host", "p1", "p2"].map((k) => prefix + k);
  [host, p1, p2].forEach(addNamespace);
  const pods = [
    { ns: p1, dev: "lxc1", ip: "10.0.1.1" },
    { ns: p2, dev: "lxc2", ip: "10.0.1.2" },
  ];
  for (const p of pods) {
    nsSh(host, `ip link add ${p.dev} type veth peer name eth0 netns ${p.ns}; ip link set ${p.dev} up`);
    nsSh(
      p.ns,
      `ip addr add ${p.ip}/32 dev eth0; ip link set eth0 up; ip route add 169.254.1.1 dev eth0 scope link`,
    );
    nsSh(p.ns, "ip route add default via 169.254.1.1 dev eth0");
  }
  const counters = HOOKS.map((h) => ({
    name: h,
    hook: h,
    match: "ip saddr 10.0.1.0/24 ip daddr 10.0.1.0/24",
  }));

  // tc: each pod's gateway neighbour is the other pod's MAC, so a frame redirected from one host veth's ingress to
  // the other host veth's transmit arrives addressed to the receiving pod (what Cilium's programs rewrite in BPF).
  nsSh(p1, `ip neigh replace 169.254.1.1 lladdr ${macOf(p2, "eth0")} dev eth0 nud permanent`);
  nsSh(p2, `ip neigh replace 169.254.1.1 lladdr ${macOf(p1, "eth0")} dev eth0 nud permanent`);
  nsSh(
    host,
    `tc qdisc add dev lxc1 clsact; tc qdisc add dev lxc2 clsact
     tc filter add dev lxc1 ingress u32 match u32 0 0 action mirred egress redirect dev lxc2
     tc filter add dev lxc2 ingress u32 match u32 0 0 action mirred egress redirect dev lxc1`,
  );
  installProbe(host, counters);
  const redirectedOk = ping(p1, "10.0.1.2");
  const redirected = readProbe(host);

  // Routed by the host: proxy ARP on the host veths, /32 routes, forwarding (the Calico way).
  nsSh(host, "tc qdisc del dev lxc1 clsact; tc qdisc del dev lxc2 clsact; sysctl -qw net.ipv4.ip_forward=1");
  for (const p of pods) {
    nsSh(
      host,
      `sysctl -qw net.ipv4.conf.${p.dev}.proxy_arp=1 net.ipv4.neigh.${p.dev}.proxy_delay=0
       ip route add ${p.ip}/32 dev ${p.dev} scope link`,
    );
    nsSh(p.ns, `ip neigh replace 169.254.1.1 lladdr ${macOf(host, p.dev)} dev eth0 nud permanent`);
  }
  installProbe(host, counters);
  const routedOk = ping(p1, "10.0.1.2");
  return { redirected, routed: readProbe(host), pingsAnswered: redirectedOk && routedOk };
}
