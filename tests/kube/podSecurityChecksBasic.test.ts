/**
 * Upstream's table tests of the container and pod-level checks, case for case, from
 * `staging/src/k8s.io/pod-security-admission/policy/` (kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da, read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8): `check_allowPrivilegeEscalation_test.go`,
 * `check_capabilities_baseline_test.go`, `check_capabilities_restricted_test.go`, `check_hostNamespaces_test.go`,
 * `check_hostPathVolumes_test.go`, `check_hostPorts_test.go`, `check_privileged_test.go`,
 * `check_procMount_baseline_test.go`, `check_procMount_restricted_test.go`, `check_restrictedVolumes_test.go`,
 * `check_runAsNonRoot_test.go`, `check_runAsUser_test.go` and `check_windowsHostProcess_test.go`. Go's
 * `ptr.To(x)` is the JSON value `x`; a nil pointer is an absent field. Apache-2.0, The Kubernetes Authors.
 */
import {
  allowPrivilegeEscalation_1_25,
  allowPrivilegeEscalation_1_8,
} from "../../harness/kube/podSecurity/checks/allowPrivilegeEscalation";
import { capabilitiesBaseline_1_0 } from "../../harness/kube/podSecurity/checks/capabilitiesBaseline";
import {
  capabilitiesRestricted_1_22,
  capabilitiesRestricted_1_25,
} from "../../harness/kube/podSecurity/checks/capabilitiesRestricted";
import { hostNamespaces_1_0 } from "../../harness/kube/podSecurity/checks/hostNamespaces";
import { hostPathVolumes_1_0 } from "../../harness/kube/podSecurity/checks/hostPathVolumes";
import { hostPorts_1_0 } from "../../harness/kube/podSecurity/checks/hostPorts";
import { privileged_1_0 } from "../../harness/kube/podSecurity/checks/privileged";
import {
  procMount1_35baseline,
  procMount_1_0,
} from "../../harness/kube/podSecurity/checks/procMountBaseline";
import { restrictedVolumes_1_0 } from "../../harness/kube/podSecurity/checks/restrictedVolumes";
import { runAsNonRoot1_35 } from "../../harness/kube/podSecurity/checks/runAsNonRoot";
import { runAsUser1_35 } from "../../harness/kube/podSecurity/checks/runAsUser";
import { windowsHostProcess_1_0 } from "../../harness/kube/podSecurity/checks/windowsHostProcess";
import { runCheckTable, type CheckTableCase } from "../../harness/kube/podSecurity/checkTable";
import type { Container } from "../../harness/kube/podSecurity/podTypes";

const escalationContainers: Container[] = [
  { name: "a" },
  { name: "b", securityContext: { allowPrivilegeEscalation: null } },
  { name: "c", securityContext: { allowPrivilegeEscalation: true } },
  { name: "d", securityContext: { allowPrivilegeEscalation: false } },
];
const escalationForbidden = {
  reason: "allowPrivilegeEscalation != false",
  detail: 'containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false',
};

const capabilityContainers: Container[] = [
  { name: "a", securityContext: { capabilities: { add: ["FOO", "BAR"] } } },
  { name: "b", securityContext: { capabilities: { add: ["BAR", "BAZ"] } } },
  {
    name: "c",
    securityContext: { capabilities: { add: ["NET_BIND_SERVICE", "CHOWN"], drop: ["ALL", "FOO"] } },
  },
];
const capabilitiesForbidden = {
  reason: "unrestricted capabilities",
  detail:
    'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not ' +
    'include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add',
};

const procMountContainers: Container[] = [
  { name: "a", securityContext: null },
  { name: "b", securityContext: {} },
  { name: "c", securityContext: { procMount: "Default" } },
  { name: "d", securityContext: { procMount: "Unmasked" } },
  { name: "e", securityContext: { procMount: "other" } },
];
const procMountForbidden = {
  reason: "procMount",
  detail: 'containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"',
};

describe("Pod Security port: upstream check tables (containers, host access, users)", () => {
  describe("TestAllowPrivilegeEscalation_1_25", () =>
    runCheckTable(allowPrivilegeEscalation_1_25, [
      {
        name: "multiple containers",
        pod: { spec: { containers: escalationContainers } },
        expect: escalationForbidden,
      },
      {
        name: "windows pod, admit without checking privilegeEscalation",
        pod: { spec: { os: { name: "windows" }, containers: [{ name: "a" }] } },
        expect: "allowed",
      },
      {
        name: "linux pod, reject if security context is not set",
        pod: { spec: { os: { name: "linux" }, containers: [{ name: "a" }] } },
        expect: {
          reason: "allowPrivilegeEscalation != false",
          detail: 'container "a" must set securityContext.allowPrivilegeEscalation=false',
        },
      },
    ]));

  describe("TestAllowPrivilegeEscalation_1_8", () =>
    runCheckTable(allowPrivilegeEscalation_1_8, [
      {
        name: "multiple containers",
        pod: { spec: { containers: escalationContainers } },
        expect: escalationForbidden,
      },
    ]));

  describe("TestCapabilitiesBaseline", () =>
    runCheckTable(capabilitiesBaseline_1_0, [
      {
        name: "multiple containers",
        pod: { spec: { containers: capabilityContainers.slice(0, 2) } },
        expect: {
          reason: "non-default capabilities",
          detail:
            'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add',
        },
      },
    ]));

  describe("TestCapabilitiesRestricted_1_25", () =>
    runCheckTable(capabilitiesRestricted_1_25, [
      {
        name: "multiple containers",
        pod: { spec: { containers: capabilityContainers } },
        expect: capabilitiesForbidden,
      },
      {
        name: "windows pod, admit without checking capabilities",
        pod: { spec: { os: { name: "windows" }, containers: [{ name: "a" }] } },
        expect: "allowed",
      },
      {
        name: "linux pod, reject if security context is not set",
        pod: { spec: { os: { name: "linux" }, containers: [{ name: "a" }] } },
        expect: {
          reason: "unrestricted capabilities",
          detail: 'container "a" must set securityContext.capabilities.drop=["ALL"]',
        },
      },
    ]));

  describe("TestCapabilitiesRestricted_1_22", () =>
    runCheckTable(capabilitiesRestricted_1_22, [
      {
        name: "multiple containers",
        pod: { spec: { containers: capabilityContainers } },
        expect: capabilitiesForbidden,
      },
    ]));

  describe("TestHostNamespaces", () =>
    runCheckTable(hostNamespaces_1_0, [
      {
        name: "multiple host namespaces",
        pod: { spec: { hostNetwork: true, hostIPC: true, hostPID: true } },
        expect: { reason: "host namespaces", detail: "hostNetwork=true, hostPID=true, hostIPC=true" },
      },
    ]));

  describe("TestHostPathVolumes", () =>
    runCheckTable(hostPathVolumes_1_0, [
      {
        name: "host path volumes",
        pod: {
          spec: {
            volumes: [
              { name: "a", hostPath: {} },
              { name: "b", hostPath: {} },
              { name: "c", emptyDir: {} },
            ],
          },
        },
        expect: { reason: "hostPath volumes", detail: 'volumes "a", "b"' },
      },
    ]));

  describe("TestHostPort", () =>
    runCheckTable(hostPorts_1_0, [
      {
        name: "one container, one host port",
        pod: {
          spec: {
            containers: [
              { name: "a", ports: [{ hostPort: 0 }] },
              { name: "b", ports: [{ hostPort: 0 }, { hostPort: 20 }] },
            ],
          },
        },
        expect: { reason: "hostPort", detail: 'container "b" uses hostPort 20' },
      },
      {
        name: "multiple containers, multiple host port",
        pod: {
          spec: {
            containers: [
              { name: "a", ports: [{ hostPort: 0 }] },
              { name: "b", ports: [{ hostPort: 0 }, { hostPort: 10 }, { hostPort: 20 }] },
              { name: "c", ports: [{ hostPort: 0 }, { hostPort: 10 }, { hostPort: 30 }] },
            ],
          },
        },
        expect: { reason: "hostPort", detail: 'containers "b", "c" use hostPorts 10, 20, 30' },
      },
    ]));

  describe("TestPrivileged", () =>
    runCheckTable(privileged_1_0, [
      {
        name: "privileged",
        pod: {
          spec: {
            containers: [
              { name: "a", securityContext: null },
              { name: "b", securityContext: {} },
              { name: "c", securityContext: { privileged: false } },
              { name: "d", securityContext: { privileged: true } },
              { name: "e", securityContext: { privileged: true } },
            ],
          },
        },
        expect: {
          reason: "privileged",
          detail: 'containers "d", "e" must not set securityContext.privileged=true',
        },
      },
    ]));

  describe("TestProcMountBaseline", () =>
    runCheckTable(procMount1_35baseline, [
      {
        name: "procMount",
        pod: { spec: { containers: procMountContainers, hostUsers: true } },
        expect: procMountForbidden,
      },
      {
        name: "procMount with userns",
        pod: { spec: { containers: procMountContainers, hostUsers: false } },
        expect: "allowed",
      },
    ]));

  describe("TestProcMountRestricted (procMount_1_0, with and without a user namespace)", () =>
    runCheckTable(
      procMount_1_0,
      [true, false].map((hostUsers): CheckTableCase => ({
        name: `procMount, hostUsers=${hostUsers}`,
        pod: { spec: { containers: procMountContainers, hostUsers } },
        expect: procMountForbidden,
      })),
    ));

  describe("TestRestrictedVolumes", () => {
    const allowed = [
      "emptyDir",
      "secret",
      "persistentVolumeClaim",
      "downwardAPI",
      "configMap",
      "projected",
      "csi",
    ];
    const restricted = [
      "hostPath",
      "gcePersistentDisk",
      "awsElasticBlockStore",
      "gitRepo",
      "nfs",
      "iscsi",
      "glusterfs",
      "rbd",
      "flexVolume",
      "cinder",
      "cephfs",
      "flocker",
      "fc",
      "azureFile",
      "vsphereVolume",
      "quobyte",
      "azureDisk",
      "photonPersistentDisk",
      "portworxVolume",
      "scaleIO",
      "storageos",
    ];
    const volumes = [
      ...[...allowed, "ephemeral", "image"].map((source, i) => ({ name: `a${i + 1}`, [source]: {} })),
      ...restricted.map((source, i) => ({ name: `b${i + 1}`, [source]: {} })),
      { name: "c1" },
    ];
    runCheckTable(restrictedVolumes_1_0, [
      {
        name: "host path volumes",
        pod: { spec: { volumes } },
        expect: {
          reason: "restricted volume types",
          detail:
            "volumes " +
            '"b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16", ' +
            '"b17", "b18", "b19", "b20", "b21", "c1"' +
            " use restricted volume types " +
            '"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", ' +
            '"gcePersistentDisk", "gitRepo", "glusterfs", ' +
            '"hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", ' +
            '"storageos", "unknown", "vsphereVolume"',
        },
      },
    ]);
  });

  describe("TestRunAsNonRoot", () =>
    runCheckTable(runAsNonRoot1_35, [
      {
        name: "no explicit runAsNonRoot",
        pod: { spec: { containers: [{ name: "a" }] } },
        expect: {
          reason: "runAsNonRoot != true",
          detail: 'pod or container "a" must set securityContext.runAsNonRoot=true',
        },
      },
      {
        name: "pod runAsNonRoot=false",
        pod: {
          spec: {
            securityContext: { runAsNonRoot: false },
            containers: [{ name: "a", securityContext: null }],
          },
        },
        expect: {
          reason: "runAsNonRoot != true",
          detail: "pod must not set securityContext.runAsNonRoot=false",
        },
      },
      {
        name: "containers runAsNonRoot=false",
        pod: {
          spec: {
            securityContext: { runAsNonRoot: true },
            containers: [
              { name: "a", securityContext: null },
              { name: "b", securityContext: {} },
              { name: "c", securityContext: { runAsNonRoot: false } },
              { name: "d", securityContext: { runAsNonRoot: false } },
              { name: "e", securityContext: { runAsNonRoot: true } },
              { name: "f", securityContext: { runAsNonRoot: true } },
            ],
          },
        },
        expect: {
          reason: "runAsNonRoot != true",
          detail: 'containers "c", "d" must not set securityContext.runAsNonRoot=false',
        },
      },
      {
        name: "pod nil, container fallthrough",
        pod: {
          spec: {
            containers: [
              { name: "a", securityContext: null },
              { name: "b", securityContext: {} },
              { name: "d", securityContext: { runAsNonRoot: true } },
              { name: "e", securityContext: { runAsNonRoot: true } },
            ],
          },
        },
        expect: {
          reason: "runAsNonRoot != true",
          detail: 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true',
        },
      },
      { name: "host users false allowed", pod: { spec: { hostUsers: false } }, expect: "allowed" },
    ]));

  describe("TestRunAsUser", () =>
    runCheckTable(runAsUser1_35, [
      {
        name: "pod runAsUser=0",
        pod: {
          spec: { securityContext: { runAsUser: 0 }, containers: [{ name: "a", securityContext: null }] },
        },
        expect: { reason: "runAsUser=0", detail: "pod must not set runAsUser=0" },
      },
      {
        name: "pod runAsUser=non-zero",
        pod: {
          spec: { securityContext: { runAsUser: 1000 }, containers: [{ name: "a", securityContext: null }] },
        },
        expect: "allowed",
      },
      {
        name: "pod runAsUser=nil",
        pod: {
          spec: { securityContext: { runAsUser: null }, containers: [{ name: "a", securityContext: null }] },
        },
        expect: "allowed",
      },
      {
        name: "containers runAsUser=0",
        pod: {
          spec: {
            securityContext: { runAsUser: 1000 },
            containers: [
              { name: "a", securityContext: null },
              { name: "b", securityContext: {} },
              { name: "c", securityContext: { runAsUser: 0 } },
              { name: "d", securityContext: { runAsUser: 0 } },
              { name: "e", securityContext: { runAsUser: 1 } },
              { name: "f", securityContext: { runAsUser: 1 } },
            ],
          },
        },
        expect: { reason: "runAsUser=0", detail: 'containers "c", "d" must not set runAsUser=0' },
      },
      {
        name: "containers runAsUser=non-zero",
        pod: {
          spec: {
            containers: [
              { name: "c", securityContext: { runAsUser: 1 } },
              { name: "d", securityContext: { runAsUser: 2 } },
              { name: "e", securityContext: { runAsUser: 3 } },
              { name: "f", securityContext: { runAsUser: 4 } },
            ],
          },
        },
        expect: "allowed",
      },
      { name: "host users false allowed", pod: { spec: { hostUsers: false } }, expect: "allowed" },
    ]));

  describe("TestWindowsHostProcess", () =>
    runCheckTable(windowsHostProcess_1_0, [
      {
        name: "host process",
        pod: {
          spec: {
            securityContext: { windowsOptions: { hostProcess: true } },
            containers: [
              { name: "a", securityContext: null },
              { name: "b", securityContext: {} },
              { name: "c", securityContext: { windowsOptions: {} } },
              { name: "d", securityContext: { windowsOptions: { hostProcess: false } } },
              { name: "e", securityContext: { windowsOptions: { hostProcess: true } } },
              { name: "f", securityContext: { windowsOptions: { hostProcess: true } } },
            ],
          },
        },
        expect: {
          reason: "hostProcess",
          detail: 'pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true',
        },
      },
    ]));
});
