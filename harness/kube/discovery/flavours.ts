/**
 * Recorded clusters, one per flavour of self-managed networking, built from API objects in the shapes kube-apiserver
 * returns (the JSON files beside this module: lists with `items` and list metadata, items without kind, mirror pods
 * of static pods with their `kubernetes.io/config.*` annotations, ConfigMaps as the installers write them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FixtureCluster } from "./fixtureCluster";

function load(flavour: string, file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(__dirname, flavour, file), "utf8"));
}

const NODES = "/api/v1/nodes";
const CONTROL_PLANE = "/api/v1/namespaces/kube-system/pods?labelSelector=tier%3Dcontrol-plane";
const KUBEADM = "/api/v1/namespaces/kube-system/configmaps/kubeadm-config";
const CALICO_V1 = "/apis/crd.projectcalico.org/v1";

/** The flavours. */
export type FlavourName = "kubeadmCalicoIpip" | "kubeadmFlannel" | "cilium" | "conflicting" | "bare";

/**
 * A fresh copy of a recorded cluster (tests may edit it).
 * - `kubeadmCalicoIpip`: Kubernetes 1.28 by kubeadm, Calico IP-in-IP pool 192.168.0.0/16 (plus a disabled pool and an
 *   IPv6 pool), matching podSubnet and `--cluster-cidr`, services 10.96.0.0/12; no ServiceCIDR API yet.
 * - `kubeadmFlannel`: Kubernetes 1.33 by kubeadm, Flannel VXLAN in `kube-flannel`, 10.244.0.0/16, ServiceCIDR
 *   `kubernetes` 10.96.0.0/12.
 * - `cilium`: Kubernetes 1.30 whose control plane the API does not show (no kubeadm-config, no static pods), Cilium
 *   Helm defaults (cluster-pool 10.0.0.0/8, VXLAN tunnel), nodes without podCIDRs; the service range (10.96.0.0/12,
 *   inside the pool) only from the API server's answer to an out-of-range ClusterIP.
 * - `conflicting`: kubeadm `--pod-network-cidr 10.244.0.0/16` while Calico's default pool stayed 192.168.0.0/16 (VXLAN).
 * - `bare`: no network plugin configuration readable, nodes without podCIDRs, and a user who may neither list
 *   ServiceCIDRs nor create Services.
 */
export function flavour(name: FlavourName): FixtureCluster {
  switch (name) {
    case "kubeadmCalicoIpip":
      return {
        objects: {
          [NODES]: load("kubeadm-calico-ipip", "nodes.json"),
          [CONTROL_PLANE]: load("kubeadm-calico-ipip", "control-plane-pods.json"),
          [KUBEADM]: load("kubeadm-calico-ipip", "kubeadm-config.json"),
          [`${CALICO_V1}/ippools`]: load("kubeadm-calico-ipip", "ippools.json"),
        },
        servedGroups: [CALICO_V1, "/apis/networking.k8s.io/v1"],
        serviceRange: { cidr: "10.96.0.0/12", style: "clusterIPsAllocate" },
      };
    case "kubeadmFlannel":
      return {
        objects: {
          [NODES]: load("kubeadm-flannel", "nodes.json"),
          [CONTROL_PLANE]: load("kubeadm-flannel", "control-plane-pods.json"),
          [KUBEADM]: load("kubeadm-flannel", "kubeadm-config.json"),
          "/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg": load(
            "kubeadm-flannel",
            "kube-flannel-cfg.json",
          ),
          "/apis/networking.k8s.io/v1/servicecidrs": load("kubeadm-flannel", "servicecidrs.json"),
        },
        servedGroups: ["/apis/networking.k8s.io/v1"],
        serviceRange: { cidr: "10.96.0.0/12", style: "clusterIPsAllocate" },
      };
    case "cilium":
      return {
        objects: {
          [NODES]: load("cilium", "nodes.json"),
          [CONTROL_PLANE]: load("cilium", "control-plane-pods.json"),
          "/api/v1/namespaces/kube-system/configmaps/cilium-config": load("cilium", "cilium-config.json"),
        },
        servedGroups: ["/apis/cilium.io/v2", "/apis/cilium.io/v2alpha1", "/apis/networking.k8s.io/v1"],
        serviceRange: { cidr: "10.96.0.0/12", style: "clusterIPsAllocate" },
      };
    case "conflicting":
      return {
        objects: {
          [NODES]: load("conflicting", "nodes.json"),
          [CONTROL_PLANE]: load("conflicting", "control-plane-pods.json"),
          [KUBEADM]: load("conflicting", "kubeadm-config.json"),
          [`${CALICO_V1}/ippools`]: load("conflicting", "ippools.json"),
        },
        servedGroups: [CALICO_V1, "/apis/networking.k8s.io/v1"],
        serviceRange: { cidr: "10.96.0.0/12", style: "clusterIPsAllocate" },
      };
    case "bare":
      return {
        objects: {
          [NODES]: load("bare", "nodes.json"),
          [CONTROL_PLANE]: load("bare", "control-plane-pods.json"),
        },
        servedGroups: ["/apis/networking.k8s.io/v1", "/apis/networking.k8s.io/v1beta1"],
        forbidden: ["/apis/networking.k8s.io/v1beta1/servicecidrs", "/api/v1/namespaces/default/services"],
        serviceRange: { cidr: "10.96.0.0/12", style: "mismatchedNetwork" },
      };
  }
}
