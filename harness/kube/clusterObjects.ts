/**
 * Nodes and pods shaped like a real EKS cluster's (k8s.io/api core/v1 Node and Pod as `kubectl get -o json`
 * prints them, managedFields included, since list responses carry them), so that parsing and transfer cost what
 * they cost against a real API server: about 3.5 kB per pod and 8 kB per node.
 */
import * as crypto from "crypto";
import type { KubeObject } from "./resources";

/** Label and namespace of the agent DaemonSet's pods. */
export const AGENT_LABELS: Readonly<Record<string, string>> = { component: "extrahop-rpcapd" };
/** Namespace of the agent pods. */
export const AGENT_NAMESPACE = "extrahop";

const CREATED = "2026-11-20T08:00:00Z";

const uidOf = (seed: string): string =>
  crypto
    .createHash("md5")
    .update(seed)
    .digest("hex")
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");

/**
 * The tolerations the API server's DefaultTolerationSeconds admission plugin adds to every pod that does not set
 * them (kubernetes `plugin/pkg/admission/defaulttolerationseconds`: 300 s for not-ready and unreachable).
 */
export const ADMISSION_DEFAULT_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
] as const;

/** Address `index` of a /8 (skipping .0 and .255 in the last octet is not needed: pods get /32s). */
export function addressInTen(block: number, index: number): string {
  return `10.${block + (index >>> 16)}.${(index >>> 8) & 255}.${index & 255}`;
}

/** Node i's InternalIP (10.0.0.0/16, from 10.0.0.10 on). */
export function nodeIp(i: number): string {
  const n = i + 10;
  return `10.0.${(n >>> 8) & 255}.${n & 255}`;
}

/** Node i's name, as EKS names nodes after their private DNS name. */
export function nodeName(i: number): string {
  return `ip-${nodeIp(i).replace(/\./g, "-")}.ec2.internal`;
}

/** Node settings. */
export interface NodeOptions {
  /** Name. */
  name: string;
  /** InternalIP. */
  ip: string;
  /** node.kubernetes.io/instance-type (default m5.large). */
  instanceType?: string;
  /** creationTimestamp (default a week-old time). */
  created?: string;
  /** Extra labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** spec.podCIDRs. */
  podCidrs?: string[];
  /** spec.providerID (default an aws:// one). */
  providerId?: string;
  /** An ExternalIP. */
  externalIp?: string;
}

/** A Node object. */
export function makeNode(o: NodeOptions): KubeObject {
  const type = o.instanceType ?? "m5.large";
  const images = Array.from({ length: 16 }, (_, k) => ({
    names: [
      `602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/image-${k}@sha256:${crypto.createHash("sha256").update(`${k}`).digest("hex")}`,
      `602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/image-${k}:v1.${k}.0-eksbuild.1`,
    ],
    sizeBytes: 30_000_000 + k * 1_234_567,
  }));
  const conditionTypes = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"];
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: o.name,
      uid: uidOf(`node/${o.name}`),
      creationTimestamp: o.created ?? CREATED,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": type,
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": "workers",
        "eks.amazonaws.com/nodegroup-image": "ami-0123456789abcdef0",
        "failure-domain.beta.kubernetes.io/region": "us-east-1",
        "failure-domain.beta.kubernetes.io/zone": "us-east-1a",
        "k8s.io/cloud-provider-aws": "0123456789abcdef0123456789abcdef",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": o.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": type,
        "topology.kubernetes.io/region": "us-east-1",
        "topology.kubernetes.io/zone": "us-east-1a",
        ...o.labels,
      },
      annotations: {
        "alpha.kubernetes.io/provided-node-ip": o.ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        ...o.annotations,
      },
      managedFields: [
        {
          manager: "kubelet",
          operation: "Update",
          apiVersion: "v1",
          time: CREATED,
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": { "f:annotations": { ".": {} }, "f:labels": { ".": {} } },
            "f:spec": { "f:providerID": {} },
          },
        },
        {
          manager: "kubelet",
          operation: "Update",
          apiVersion: "v1",
          time: CREATED,
          fieldsType: "FieldsV1",
          fieldsV1: { "f:status": { "f:conditions": {}, "f:images": {}, "f:nodeInfo": {} } },
          subresource: "status",
        },
      ],
    },
    spec: {
      providerID:
        o.providerId ??
        `aws:///us-east-1a/i-${crypto.createHash("md5").update(o.name).digest("hex").slice(0, 17)}`,
      ...(o.podCidrs ? { podCIDR: o.podCidrs[0], podCIDRs: o.podCidrs } : {}),
    },
    status: {
      capacity: {
        cpu: "2",
        "ephemeral-storage": "83873772Ki",
        "hugepages-1Gi": "0",
        memory: "7910360Ki",
        pods: "29",
      },
      allocatable: { cpu: "1930m", "ephemeral-storage": "76224326324", memory: "7220184Ki", pods: "29" },
      conditions: conditionTypes.map((t) => ({
        type: t,
        status: t === "Ready" ? "True" : "False",
        lastHeartbeatTime: CREATED,
        lastTransitionTime: CREATED,
        reason: t === "Ready" ? "KubeletReady" : `KubeletHasNo${t}`,
        message: t === "Ready" ? "kubelet is posting ready status" : `kubelet has no ${t}`,
      })),
      addresses: [
        { type: "InternalIP", address: o.ip },
        ...(o.externalIp ? [{ type: "ExternalIP", address: o.externalIp }] : []),
        { type: "InternalDNS", address: o.name },
        { type: "Hostname", address: o.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: crypto.createHash("md5").update(`m/${o.name}`).digest("hex"),
        systemUUID: uidOf(`s/${o.name}`),
        bootID: uidOf(`b/${o.name}`),
        kernelVersion: "5.10.228-219.884.amzn2.x86_64",
        osImage: "Amazon Linux 2",
        containerRuntimeVersion: "containerd://1.7.23",
        kubeletVersion: "v1.31.2-eks-94953ac",
        kubeProxyVersion: "v1.31.2-eks-94953ac",
        operatingSystem: "linux",
        architecture: "amd64",
      },
      images,
    },
  };
}

/** Pod settings. */
export interface PodOptions {
  /** Name. */
  name: string;
  /** Namespace (default `default`). */
  namespace?: string;
  /** spec.nodeName. */
  nodeName: string;
  /** The node's address (status.hostIP). */
  hostIp: string;
  /** status.podIP (undefined: not yet assigned). */
  ip?: string;
  /** status.phase (default Running). */
  phase?: string;
  /** spec.hostNetwork. */
  hostNetwork?: boolean;
  /** Labels (default `app: <name prefix>`). */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Ready condition (default true when Running). */
  ready?: boolean;
  /** metadata.deletionTimestamp. */
  deletionTimestamp?: string;
  /** Extra containers and their readiness (e.g. a capture sidecar). */
  sidecars?: { name: string; ready: boolean }[];
  /** A fixed uid (default derived from namespace/name and a random part, as real uids differ per incarnation). */
  uid?: string;
}

/** A Pod object. */
export function makePod(o: PodOptions): KubeObject {
  const namespace = o.namespace ?? "default";
  const phase = o.phase ?? "Running";
  const ready = o.ready ?? phase === "Running";
  const app = o.labels?.app ?? o.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, "");
  const containers = [{ name: "app", ready }, ...(o.sidecars ?? [])];
  const condition = (type: string, status: boolean): Record<string, unknown> => ({
    type,
    status: status ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: CREATED,
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: o.name,
      namespace,
      uid: o.uid ?? crypto.randomUUID(),
      generateName: `${app}-7d9f8b6c5-`,
      creationTimestamp: CREATED,
      ...(o.deletionTimestamp
        ? { deletionTimestamp: o.deletionTimestamp, deletionGracePeriodSeconds: 30 }
        : {}),
      labels: o.labels ?? { app, "pod-template-hash": "7d9f8b6c5" },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${app}-7d9f8b6c5`,
          uid: uidOf(`rs/${namespace}/${app}`),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: "kube-controller-manager",
          operation: "Update",
          apiVersion: "v1",
          time: CREATED,
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": {
              "f:generateName": {},
              "f:labels": { ".": {}, "f:app": {} },
              "f:ownerReferences": {},
            },
            "f:spec": { "f:containers": {}, "f:dnsPolicy": {}, "f:restartPolicy": {} },
          },
        },
        {
          manager: "kubelet",
          operation: "Update",
          apiVersion: "v1",
          time: CREATED,
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:status": { "f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {}, "f:podIPs": {} },
          },
          subresource: "status",
        },
      ],
    },
    spec: {
      volumes: [
        {
          name: "kube-api-access-x7k2p",
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            ],
            defaultMode: 420,
          },
        },
      ],
      containers: containers.map((c) => ({
        name: c.name,
        image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${app}:1.4.2`,
        ports: [{ containerPort: 8080, protocol: "TCP" }],
        env: [
          { name: "LOG_LEVEL", value: "info" },
          { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
        ],
        resources: { limits: { memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
        volumeMounts: [
          {
            name: "kube-api-access-x7k2p",
            readOnly: true,
            mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
          },
        ],
        readinessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, periodSeconds: 10 },
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        imagePullPolicy: "IfNotPresent",
      })),
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: o.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
      serviceAccountName: "default",
      serviceAccount: "default",
      nodeName: o.nodeName,
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      securityContext: {},
      schedulerName: "default-scheduler",
      tolerations: [...ADMISSION_DEFAULT_TOLERATIONS],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
    },
    status: {
      phase,
      conditions: [
        condition("PodReadyToStartContainers", phase === "Running"),
        condition("Initialized", true),
        condition("Ready", ready),
        condition("ContainersReady", ready),
        condition("PodScheduled", true),
      ],
      hostIP: o.hostIp,
      hostIPs: [{ ip: o.hostIp }],
      ...(o.ip ? { podIP: o.ip, podIPs: [{ ip: o.ip }] } : {}),
      startTime: CREATED,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        state: c.ready ? { running: { startedAt: CREATED } } : { waiting: { reason: "ContainerCreating" } },
        lastState: {},
        ready: c.ready,
        restartCount: 0,
        image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${app}:1.4.2`,
        imageID: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${app}@sha256:${crypto.createHash("sha256").update(app).digest("hex")}`,
        containerID: `containerd://${crypto.createHash("sha256").update(`${o.name}/${c.name}`).digest("hex")}`,
        started: c.ready,
      })),
      qosClass: "Burstable",
    },
  };
}

/** The agent's own pod on a node (hostNetwork: its address is the node's). */
export function makeAgentPod(node: string, hostIp: string, opts: Partial<PodOptions> = {}): KubeObject {
  return makePod({
    // Real DaemonSet pods get 5 random characters that the API server keeps unique; 12 hex characters derived from
    // the node keep 150,000 generated names free of collisions.
    name: `extrahop-rpcapd-${crypto.createHash("md5").update(node).digest("hex").slice(0, 12)}`,
    namespace: AGENT_NAMESPACE,
    nodeName: node,
    hostIp,
    ip: hostIp,
    hostNetwork: true,
    labels: { ...AGENT_LABELS, "controller-revision-hash": "6d5f9c7b8d", "pod-template-generation": "1" },
    ...opts,
  });
}

/** Shape of a generated cluster. */
export interface ClusterShape {
  /** Number of nodes. */
  nodes: number;
  /** Workload pods per node. */
  podsPerNode: number;
  /** Nodes without an agent pod (the first `agentless` nodes); default 0. */
  agentless?: number;
}

/** A generated cluster: every node runs an agent (except the agentless ones) and kube-proxy (hostNetwork). */
export interface GeneratedCluster {
  /** Node objects. */
  nodes: KubeObject[];
  /** Pod objects. */
  pods: KubeObject[];
  /** Next unused workload pod address index (see addressInTen(1, i)). */
  nextPodAddress: number;
}

/** Builds a cluster of `shape`. */
export function buildCluster(shape: ClusterShape): GeneratedCluster {
  const nodes: KubeObject[] = [];
  const pods: KubeObject[] = [];
  let next = 0;
  for (let i = 0; i < shape.nodes; i++) {
    const name = nodeName(i);
    const ip = nodeIp(i);
    nodes.push(makeNode({ name, ip }));
    if (i >= (shape.agentless ?? 0)) {
      pods.push(makeAgentPod(name, ip));
    }
    pods.push(
      makePod({
        name: `kube-proxy-${crypto.createHash("md5").update(name).digest("hex").slice(0, 12)}`,
        namespace: "kube-system",
        nodeName: name,
        hostIp: ip,
        ip,
        hostNetwork: true,
        labels: { "k8s-app": "kube-proxy" },
      }),
    );
    for (let k = 0; k < shape.podsPerNode; k++) {
      const app = `app${k % 10}`;
      pods.push(
        makePod({
          name: `${app}-7d9f8b6c5-${(next + 1).toString(36).padStart(5, "0")}`,
          namespace: `team-${k % 5}`,
          nodeName: name,
          hostIp: ip,
          ip: addressInTen(1, next++),
          labels: { app, "pod-template-hash": "7d9f8b6c5" },
        }),
      );
    }
  }
  return { nodes, pods, nextPodAddress: next };
}
