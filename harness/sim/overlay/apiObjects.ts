// What the fake Kubernetes API answers for an overlay cluster: a NodeList whose Nodes carry what the CNI publishes
// on them, and a PodList with the workloads, the agent pods, the CNI's and kube-proxy's hostNetwork pods and the
// awkward cases (a Pending pod without IP, a Succeeded pod that keeps its old IP).
//
// Node annotations, as the CNIs write them with the Kubernetes datastore:
// - Calico (projectcalico/calico libcalico-go/lib/backend/k8s/resources/node.go): projectcalico.org/IPv4Address
//   (address/len), projectcalico.org/IPv4IPIPTunnelAddr, projectcalico.org/IPv4VXLANTunnelAddr,
//   projectcalico.org/VXLANTunnelMACAddr.
// - Flannel with the kube subnet manager (flannel-io/flannel pkg/subnet/kube/annotations.go, prefix
//   flannel.alpha.coreos.com/): backend-type, backend-data ({"VNI":..,"VtepMAC":..}), kube-subnet-manager,
//   public-ip; its lease is the Node's spec.podCIDR.
import * as crypto from "crypto";
import * as O from "./topology";

const readyConditions = [
  { type: "Initialized", status: "True" },
  { type: "Ready", status: "True" },
  { type: "ContainersReady", status: "True" },
  { type: "PodScheduled", status: "True" },
];

interface PodOptions {
  hostNetwork?: boolean;
  phase?: string;
  labels?: Record<string, string>;
  hostIP?: string;
}

function uid(text: string): string {
  return crypto
    .createHash("md5")
    .update(text)
    .digest("hex")
    .replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
}

function podObject(
  name: string,
  namespace: string,
  nodeName: string,
  ip: string | undefined,
  o: PodOptions = {},
): object {
  const phase = o.phase ?? "Running";
  return {
    metadata: {
      name,
      namespace,
      uid: uid(namespace + name),
      resourceVersion: "5100",
      labels: o.labels ?? { app: name.split("-")[0] },
      creationTimestamp: "2026-11-30T10:00:00Z",
    },
    spec: {
      nodeName,
      hostNetwork: o.hostNetwork ?? undefined,
      containers: [{ name: "main", image: "registry.k8s.io/e2e-test-images/agnhost:2.47" }],
      restartPolicy: phase === "Succeeded" ? "Never" : "Always",
    },
    status: {
      phase,
      hostIP: o.hostIP,
      hostIPs: o.hostIP ? [{ ip: o.hostIP }] : undefined,
      podIP: ip,
      podIPs: ip ? [{ ip }] : undefined,
      conditions: phase === "Running" ? readyConditions : [{ type: "PodScheduled", status: "True" }],
      startTime: "2026-11-30T10:00:01Z",
    },
  };
}

/** The annotations the datapath's CNI writes on a Node. */
export function cniAnnotations(t: O.OverlayTopology, n: O.OverlayNode): Record<string, string> {
  if (t.cni === "flannel") {
    return {
      "flannel.alpha.coreos.com/backend-type": "vxlan",
      "flannel.alpha.coreos.com/backend-data": JSON.stringify({ VNI: 1, VtepMAC: n.vtepMac }),
      "flannel.alpha.coreos.com/kube-subnet-manager": "true",
      "flannel.alpha.coreos.com/public-ip": n.ip,
    };
  }
  const a: Record<string, string> = {
    "projectcalico.org/IPv4Address": `${n.ip}/${O.UNDERLAY_PREFIX}`,
  };
  if (t.datapath === "calico-ipip" && n.tunnelIp) {
    a["projectcalico.org/IPv4IPIPTunnelAddr"] = n.tunnelIp;
  }
  if (t.datapath === "calico-vxlan" && n.tunnelIp && n.vtepMac) {
    a["projectcalico.org/IPv4VXLANTunnelAddr"] = n.tunnelIp;
    a["projectcalico.org/VXLANTunnelMACAddr"] = n.vtepMac;
  }
  return a;
}

/** GET /api/v1/nodes: self-managed (kubeadm) Nodes, no providerID, spec.podCIDR(s) from the controller-manager. */
export function overlayNodesJson(t: O.OverlayTopology): object {
  return {
    kind: "NodeList",
    apiVersion: "v1",
    metadata: { resourceVersion: "5100" },
    items: t.nodes.map((n) => ({
      metadata: {
        name: n.name,
        uid: uid(`node/${n.name}`),
        resourceVersion: "5100",
        creationTimestamp: "2026-11-30T09:00:00Z",
        labels: {
          "kubernetes.io/hostname": n.name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          ...(n.agent ? {} : { "extrahop/norpcapd": "true" }),
        },
        annotations: {
          "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
          "node.alpha.kubernetes.io/ttl": "0",
          "volumes.kubernetes.io/controller-managed-attach-detach": "true",
          ...cniAnnotations(t, n),
        },
      },
      spec: { podCIDR: n.podCidr, podCIDRs: [n.podCidr] },
      status: {
        addresses: [
          { type: "InternalIP", address: n.ip },
          { type: "Hostname", address: n.name },
        ],
        conditions: [{ type: "Ready", status: "True" }],
      },
    })),
  };
}

/** GET /api/v1/pods. */
export function overlayPodsJson(t: O.OverlayTopology): object {
  const items: object[] = [];
  for (const n of t.nodes) {
    for (const p of n.pods) {
      items.push(podObject(p.name, "default", n.name, p.ip, { hostIP: n.ip }));
    }
    const suffix = n.key.toLowerCase();
    if (n.agent) {
      items.push(
        podObject(`extrahop-rpcapd-${suffix}x7k`, "extrahop", n.name, n.ip, {
          hostNetwork: true,
          labels: { component: "extrahop-rpcapd", "controller-revision-hash": "6d5f9c" },
          hostIP: n.ip,
        }),
      );
    }
    items.push(
      podObject(`kube-proxy-${suffix}q2w`, "kube-system", n.name, n.ip, {
        hostNetwork: true,
        labels: { "k8s-app": "kube-proxy" },
        hostIP: n.ip,
      }),
    );
    items.push(
      t.cni === "calico"
        ? podObject(`calico-node-${suffix}h4z`, "kube-system", n.name, n.ip, {
            hostNetwork: true,
            labels: { "k8s-app": "calico-node" },
            hostIP: n.ip,
          })
        : podObject(`kube-flannel-ds-${suffix}9rt`, "kube-flannel", n.name, n.ip, {
            hostNetwork: true,
            labels: { app: "flannel", "k8s-app": "flannel" },
            hostIP: n.ip,
          }),
    );
  }
  const b = O.nodeOf(t, "B");
  items.push(
    podObject("report-28811234-zx9", "default", b.name, O.nthAddress(b.block, 40), {
      phase: "Succeeded",
      hostIP: b.ip,
    }),
  );
  items.push(podObject("pending-0", "default", O.nodeOf(t, "A").name, undefined, { phase: "Pending" }));
  return { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "5100" }, items };
}
