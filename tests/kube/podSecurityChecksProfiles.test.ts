/**
 * Upstream's table tests of the profile checks (AppArmor, SELinux, seccomp), case for case, from
 * `staging/src/k8s.io/pod-security-admission/policy/` (kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da, read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8): `check_appArmorProfile_test.go`, `check_seLinuxOptions_test.go`,
 * `check_seccompProfile_baseline_test.go` and `check_seccompProfile_restricted_test.go`. Apache-2.0, The Kubernetes
 * Authors.
 */
import { appArmorProfile_1_0 } from "../../harness/kube/podSecurity/checks/appArmorProfile";
import { seLinuxOptions1_31 } from "../../harness/kube/podSecurity/checks/seLinuxOptions";
import {
  seccompProfileBaseline_1_0,
  seccompProfileBaseline_1_19,
} from "../../harness/kube/podSecurity/checks/seccompProfileBaseline";
import {
  seccompProfileRestricted_1_19,
  seccompProfileRestricted_1_25,
} from "../../harness/kube/podSecurity/checks/seccompProfileRestricted";
import { runCheckTable, type CheckTableCase } from "../../harness/kube/podSecurity/checkTable";
import type { Container, PodSpec } from "../../harness/kube/podSecurity/podTypes";

const APPARMOR = "container.apparmor.security.beta.kubernetes.io/";

/** Containers "a".."f" of the seccomp tables: two unset, two Unconfined, two RuntimeDefault. */
const seccompContainers: Container[] = [
  { name: "a", securityContext: null },
  { name: "b", securityContext: {} },
  { name: "c", securityContext: { seccompProfile: { type: "Unconfined" } } },
  { name: "d", securityContext: { seccompProfile: { type: "Unconfined" } } },
  { name: "e", securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
  { name: "f", securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
];
const fallthroughContainers: Container[] = [
  { name: "a", securityContext: null },
  { name: "b", securityContext: {} },
  { name: "d", securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
  { name: "e", securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
];
const seccomp = (detail: string) => ({ reason: "seccompProfile", detail });
const mustSet = (who: string) =>
  seccomp(`${who} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);

/** The cases `TestSeccompProfileRestricted_1_19` and `_1_25` share. */
const restrictedSeccompCases: CheckTableCase[] = [
  {
    name: "no explicit seccomp",
    pod: { spec: { containers: [{ name: "a" }] } },
    expect: mustSet('pod or container "a"'),
  },
  {
    name: "pod seccomp invalid",
    pod: {
      spec: {
        securityContext: { seccompProfile: { type: "Unconfined" } },
        containers: [{ name: "a", securityContext: null }],
      },
    },
    expect: seccomp('pod must not set securityContext.seccompProfile.type to "Unconfined"'),
  },
  {
    name: "containers seccomp invalid",
    pod: {
      spec: {
        securityContext: { seccompProfile: { type: "RuntimeDefault" } },
        containers: seccompContainers,
      },
    },
    expect: seccomp('containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"'),
  },
  {
    name: "pod nil, container fallthrough",
    pod: { spec: { containers: fallthroughContainers } },
    expect: mustSet('pod or containers "a", "b"'),
  },
];

/** SELinux containers "a".."d": the four allowed types. */
const allowedSELinuxContainers: Container[] = [
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
].map((type, i) => ({ name: "abcd"[i], securityContext: { seLinuxOptions: { type } } }));
const badSELinuxContainers: Container[] = [
  { name: "e", securityContext: { seLinuxOptions: { type: "bar" } } },
  { name: "f", securityContext: { seLinuxOptions: { user: "bar" } } },
  { name: "g", securityContext: { seLinuxOptions: { role: "baz" } } },
];
const badPodSELinux: PodSpec["securityContext"] = {
  seLinuxOptions: { type: "foo", user: "bar", role: "baz" },
};
const seLinux = (detail: string) => ({ reason: "seLinuxOptions", detail });

describe("Pod Security port: upstream check tables (AppArmor, SELinux, seccomp)", () => {
  describe("TestCheckAppArmor_Allowed", () =>
    runCheckTable(appArmorProfile_1_0, [
      {
        name: "container with default AppArmor + extra annotations",
        pod: { metadata: { annotations: { [`${APPARMOR}test`]: "runtime/default", env: "prod" } }, spec: {} },
        expect: "allowed",
      },
      {
        name: "container with local AppArmor + extra annotations",
        pod: {
          metadata: { annotations: { [`${APPARMOR}test`]: "localhost/sec-profile01", env: "dev" } },
          spec: {},
        },
        expect: "allowed",
      },
      {
        name: "container with no AppArmor annotations",
        pod: { metadata: { annotations: { env: "dev" } }, spec: {} },
        expect: "allowed",
      },
      { name: "container with no annotations", pod: { metadata: {}, spec: {} }, expect: "allowed" },
      {
        name: "pod with runtime default",
        pod: { metadata: {}, spec: { securityContext: { appArmorProfile: { type: "RuntimeDefault" } } } },
        expect: "allowed",
      },
      {
        name: "container with localhost profile",
        pod: {
          metadata: {},
          spec: {
            containers: [{ name: "foo", securityContext: { appArmorProfile: { type: "RuntimeDefault" } } }],
          },
        },
        expect: "allowed",
      },
    ]));

  describe("TestCheckAppArmor_Forbidden", () =>
    runCheckTable(appArmorProfile_1_0, [
      {
        name: "unconfined pod",
        pod: { spec: { securityContext: { appArmorProfile: { type: "Unconfined" } } } },
        expect: {
          reason: "forbidden AppArmor profile",
          detail: 'pod must not set AppArmor profile type to "Unconfined"',
        },
      },
      {
        name: "unconfined container",
        pod: {
          spec: {
            securityContext: { appArmorProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "foo", securityContext: { appArmorProfile: { type: "Unconfined" } } }],
          },
        },
        expect: {
          reason: "forbidden AppArmor profile",
          detail: 'container "foo" must not set AppArmor profile type to "Unconfined"',
        },
      },
      {
        name: "unconfined init container",
        pod: {
          spec: {
            securityContext: { appArmorProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "foo" }],
            initContainers: [{ name: "bar", securityContext: { appArmorProfile: { type: "Unconfined" } } }],
          },
        },
        expect: {
          reason: "forbidden AppArmor profile",
          detail: 'container "bar" must not set AppArmor profile type to "Unconfined"',
        },
      },
      {
        name: "multiple containers",
        pod: {
          metadata: {
            annotations: {
              [APPARMOR]: "bogus",
              [`${APPARMOR}a`]: "",
              [`${APPARMOR}b`]: "runtime/default",
              [`${APPARMOR}c`]: "localhost/",
              [`${APPARMOR}d`]: "localhost/foo",
              [`${APPARMOR}e`]: "unconfined",
              [`${APPARMOR}f`]: "unknown",
            },
          },
        },
        expect: {
          reason: "forbidden AppArmor profiles",
          detail:
            "annotations must not set AppArmor profile type to " +
            [`"${APPARMOR}="bogus""`, `"${APPARMOR}e="unconfined""`, `"${APPARMOR}f="unknown""`].join(", "),
        },
      },
    ]));

  describe("TestSELinuxOptions", () =>
    runCheckTable(seLinuxOptions1_31, [
      {
        name: "invalid pod and containers",
        pod: {
          spec: {
            securityContext: badPodSELinux,
            containers: [...allowedSELinuxContainers, ...badSELinuxContainers],
          },
        },
        expect: seLinux(
          'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; ' +
            "user may not be set; role may not be set",
        ),
      },
      {
        name: "invalid pod",
        pod: { spec: { securityContext: badPodSELinux, containers: allowedSELinuxContainers } },
        expect: seLinux(
          'pod set forbidden securityContext.seLinuxOptions: type "foo"; user may not be set; role may not be set',
        ),
      },
      {
        name: "invalid containers",
        pod: {
          spec: {
            securityContext: { seLinuxOptions: {} },
            containers: [...allowedSELinuxContainers, ...badSELinuxContainers],
          },
        },
        expect: seLinux(
          'containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: type "bar"; user may not be set; ' +
            "role may not be set",
        ),
      },
      {
        name: "bad type",
        pod: { spec: { securityContext: { seLinuxOptions: { type: "bad" } } } },
        expect: seLinux('pod set forbidden securityContext.seLinuxOptions: type "bad"'),
      },
      {
        name: "bad user",
        pod: { spec: { securityContext: { seLinuxOptions: { user: "bad" } } } },
        expect: seLinux("pod set forbidden securityContext.seLinuxOptions: user may not be set"),
      },
      {
        name: "bad role",
        pod: { spec: { securityContext: { seLinuxOptions: { role: "bad" } } } },
        expect: seLinux("pod set forbidden securityContext.seLinuxOptions: role may not be set"),
      },
    ]));

  describe("TestSeccompProfileBaseline_1_0", () =>
    runCheckTable(seccompProfileBaseline_1_0, [
      {
        name: "pod seccomp invalid",
        pod: { metadata: { annotations: { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" } } },
        expect: seccomp('forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"'),
      },
      {
        name: "containers seccomp invalid",
        pod: {
          metadata: {
            annotations: {
              "container.seccomp.security.alpha.kubernetes.io/a": "unconfined",
              "container.seccomp.security.alpha.kubernetes.io/b": "unknown",
            },
          },
          spec: { containers: [{ name: "a" }, { name: "b" }, { name: "c" }] },
        },
        expect: seccomp(
          'forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", ' +
            'container.seccomp.security.alpha.kubernetes.io/b="unknown"',
        ),
      },
      {
        name: "pod and containers seccomp invalid",
        pod: {
          metadata: {
            annotations: {
              "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
              "container.seccomp.security.alpha.kubernetes.io/a": "unconfined",
              "container.seccomp.security.alpha.kubernetes.io/b": "unknown",
            },
          },
          spec: { containers: [{ name: "a" }, { name: "b" }, { name: "c" }] },
        },
        expect: seccomp(
          'forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", ' +
            'container.seccomp.security.alpha.kubernetes.io/b="unknown", ' +
            'seccomp.security.alpha.kubernetes.io/pod="unconfined"',
        ),
      },
    ]));

  describe("TestSeccompProfileBaseline_1_19", () =>
    runCheckTable(seccompProfileBaseline_1_19, [
      {
        name: "pod seccomp invalid",
        pod: {
          spec: {
            securityContext: { seccompProfile: { type: "Unconfined" } },
            containers: [{ name: "a", securityContext: null }],
          },
        },
        expect: seccomp('pod must not set securityContext.seccompProfile.type to "Unconfined"'),
      },
      {
        name: "containers seccomp invalid",
        pod: {
          spec: {
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containers: seccompContainers,
          },
        },
        expect: seccomp(
          'containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
        ),
      },
      {
        name: "pod and containers seccomp invalid",
        pod: {
          spec: {
            securityContext: { seccompProfile: { type: "Unconfined" } },
            containers: seccompContainers,
          },
        },
        expect: seccomp(
          'pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
        ),
      },
    ]));

  describe("TestSeccompProfileRestricted_1_25", () =>
    runCheckTable(seccompProfileRestricted_1_25, [
      restrictedSeccompCases[0],
      {
        name: "no explicit seccomp, windows Pod",
        pod: { spec: { os: { name: "windows" }, containers: [{ name: "a" }] } },
        expect: "allowed",
      },
      {
        name: "no explicit seccomp, linux pod",
        pod: { spec: { os: { name: "linux" }, containers: [{ name: "a" }] } },
        expect: mustSet('pod or container "a"'),
      },
      ...restrictedSeccompCases.slice(1),
    ]));

  describe("TestSeccompProfileRestricted_1_19", () =>
    runCheckTable(seccompProfileRestricted_1_19, restrictedSeccompCases));
});
