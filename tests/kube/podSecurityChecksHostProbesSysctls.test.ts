/**
 * Upstream's table tests of the probe/lifecycle host check and the sysctls check, case for case, from
 * `staging/src/k8s.io/pod-security-admission/policy/` (kubernetes/kubernetes at
 * dde51bfc48b109a0f311055843d4d81a1966e9da, read from the mirror kubernetes/pod-security-admission at
 * 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8): `check_hostProbesAndhostLifecycle_test.go` (including its emulation
 * test) and `check_sysctls_test.go`. Apache-2.0, The Kubernetes Authors.
 */
import { strict as assert } from "node:assert";
import { Version } from "../../harness/kube/podSecurity/api/version";
import { aggregateCheckResults } from "../../harness/kube/podSecurity/checkResult";
import { hostProbesAndHostLifecycleV1Dot34 } from "../../harness/kube/podSecurity/checks/hostProbesAndHostLifecycle";
import {
  sysctlsV1Dot0,
  sysctlsV1Dot27,
  sysctlsV1Dot29,
  sysctlsV1Dot32,
  sysctlsV1Dot37,
} from "../../harness/kube/podSecurity/checks/sysctls";
import { runCheckTable, type CheckTableCase } from "../../harness/kube/podSecurity/checkTable";
import { defaultChecks } from "../../harness/kube/podSecurity/defaultChecks";
import type { Container } from "../../harness/kube/podSecurity/podTypes";
import { newEvaluator } from "../../harness/kube/podSecurity/registry";

const probeHost = (detail: string) => ({ reason: "probe or lifecycle host", detail });
const oneContainer = (container: Container) => ({ spec: { containers: [container] } });

const sysctls = (name: string, value = "") => ({ spec: { securityContext: { sysctls: [{ name, value }] } } });
const forbiddenAB: CheckTableCase = {
  name: "forbidden sysctls",
  pod: { spec: { securityContext: { sysctls: [{ name: "a" }, { name: "b" }] } } },
  expect: { reason: "forbidden sysctls", detail: "a, b" },
};
const notYet = (name: string, value: string): CheckTableCase => ({
  name: `new supported sysctls not supported: ${name}`,
  pod: sysctls(name, value),
  expect: { reason: "forbidden sysctls", detail: name },
});
const nowSupported = (name: string, value: string): CheckTableCase => ({
  name: `new supported sysctls: ${name}`,
  pod: sysctls(name, value),
  expect: "allowed",
});

describe("Pod Security port: upstream check tables (probe hosts, sysctls)", () => {
  describe("TestHostProbesAndHostLifecycleEmulation", () => {
    const pod = { containers: [{ startupProbe: { httpGet: { host: "localhost" } } }] };
    for (const [name, emulation, hostCheckActive] of [
      ["no emulation", undefined, true],
      ["emulate 1.34", Version.majorMinor(1, 34), true],
      ["emulate 1.33", Version.majorMinor(1, 33), false],
    ] as const) {
      it(name, () => {
        const e = newEvaluator(defaultChecks(), emulation);
        const allowed = (version: Version) =>
          aggregateCheckResults(e.evaluatePod({ level: "baseline", version }, {}, pod)).allowed;
        assert.equal(allowed(Version.latestVersion()), !hostCheckActive, "latest");
        assert.equal(allowed(Version.majorMinor(1, 34)), !hostCheckActive, "v1.34");
        assert.equal(allowed(Version.majorMinor(1, 33)), true, "v1.33");
      });
    }
  });

  describe("TestHostProbesAndHostLifecycle", () =>
    runCheckTable(hostProbesAndHostLifecycleV1Dot34, [
      {
        name: "valid pod with unset hosts",
        pod: oneContainer({
          name: "a",
          livenessProbe: { httpGet: {} },
          readinessProbe: { tcpSocket: {} },
          lifecycle: { postStart: { httpGet: {} } },
        }),
        expect: "allowed",
      },
      {
        name: "invalid pod with local host IP as probe host",
        pod: oneContainer({
          name: "a",
          livenessProbe: { httpGet: { host: "127.0.0.1" } },
          readinessProbe: { tcpSocket: { host: "::1" } },
          startupProbe: { httpGet: { host: "localhost" } },
        }),
        expect: probeHost('container "a" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost"'),
      },
      {
        name: "invalid httpget host in liveness probe",
        pod: oneContainer({ name: "a", livenessProbe: { httpGet: { host: "invalid.host" } } }),
        expect: probeHost('container "a" uses probe or lifecycle host "invalid.host"'),
      },
      {
        name: "invalid tcpsocket host in readiness probe",
        pod: oneContainer({ name: "b", readinessProbe: { tcpSocket: { host: "invalid.host" } } }),
        expect: probeHost('container "b" uses probe or lifecycle host "invalid.host"'),
      },
      {
        name: "invalid httpget host in startup probe",
        pod: oneContainer({ name: "c", startupProbe: { httpGet: { host: "invalid.host" } } }),
        expect: probeHost('container "c" uses probe or lifecycle host "invalid.host"'),
      },
      {
        name: "invalid poststart tcpsocket host",
        pod: oneContainer({ name: "d", lifecycle: { postStart: { tcpSocket: { host: "invalid.host" } } } }),
        expect: probeHost('container "d" uses probe or lifecycle host "invalid.host"'),
      },
      {
        name: "invalid prestop httpget host",
        pod: oneContainer({
          name: "e",
          lifecycle: { preStop: { httpGet: { host: "another.invalid.host" } } },
        }),
        expect: probeHost('container "e" uses probe or lifecycle host "another.invalid.host"'),
      },
      {
        name: "multiple containers with multiple invalid hosts",
        pod: {
          spec: {
            containers: [
              { name: "valid" },
              { name: "invalid1", livenessProbe: { httpGet: { host: "a.com" } } },
              {
                name: "invalid2",
                lifecycle: { preStop: { tcpSocket: { host: "b.com" } } },
                startupProbe: { httpGet: { host: "a.com" } },
              },
            ],
          },
        },
        expect: probeHost('containers "invalid1", "invalid2" use probe or lifecycle hosts "a.com", "b.com"'),
      },
      {
        name: "invalid ipv4 host in probe",
        pod: oneContainer({ name: "a", livenessProbe: { httpGet: { host: "8.8.8.8" } } }),
        expect: probeHost('container "a" uses probe or lifecycle host "8.8.8.8"'),
      },
      {
        name: "invalid ipv6 host in probe",
        pod: oneContainer({ name: "a", livenessProbe: { tcpSocket: { host: "2001:4860:4860::8888" } } }),
        expect: probeHost('container "a" uses probe or lifecycle host "2001:4860:4860::8888"'),
      },
      {
        name: "invalid host in initcontainer",
        pod: {
          spec: {
            initContainers: [{ name: "init", livenessProbe: { httpGet: { host: "invalid.init.host" } } }],
          },
        },
        expect: probeHost('container "init" uses probe or lifecycle host "invalid.init.host"'),
      },
    ]));

  describe("TestSysctls", () =>
    runCheckTable(sysctlsV1Dot0, [
      forbiddenAB,
      notYet("net.ipv4.ip_local_reserved_ports", "1024-4999"),
      notYet("net.ipv4.tcp_keepalive_time", "7200"),
      notYet("net.ipv4.tcp_fin_timeout", "60"),
      notYet("net.ipv4.tcp_keepalive_intvl", "75"),
      notYet("net.ipv4.tcp_keepalive_probes", "9"),
      notYet("net.ipv4.tcp_rmem", "4096 87380 16777216"),
      notYet("net.ipv4.tcp_wmem", "4096 87380 16777216"),
    ]));

  describe("TestSysctls_1_27", () =>
    runCheckTable(sysctlsV1Dot27, [
      forbiddenAB,
      {
        name: "new supported sysctls",
        pod: sysctls("net.ipv4.ip_local_reserved_ports", "1024-4999"),
        expect: "allowed",
      },
    ]));

  describe("TestSysctls_1_29", () =>
    runCheckTable(sysctlsV1Dot29, [
      forbiddenAB,
      nowSupported("net.ipv4.tcp_keepalive_time", "7200"),
      nowSupported("net.ipv4.tcp_fin_timeout", "60"),
      nowSupported("net.ipv4.tcp_keepalive_intvl", "75"),
      nowSupported("net.ipv4.tcp_keepalive_probes", "9"),
    ]));

  describe("TestSysctls_1_32", () =>
    runCheckTable(sysctlsV1Dot32, [
      forbiddenAB,
      nowSupported("net.ipv4.tcp_rmem", "4096 87380 16777216"),
      nowSupported("net.ipv4.tcp_wmem", "4096 65536 16777216"),
    ]));

  describe("TestSysctls_1_37", () =>
    runCheckTable(sysctlsV1Dot37, [
      forbiddenAB,
      nowSupported("net.ipv4.tcp_slow_start_after_idle", "0"),
      nowSupported("net.ipv4.tcp_notsent_lowat", "16384"),
    ]));
});
