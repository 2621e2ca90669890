/**
 * The checks upstream registers, split as `DefaultChecks` (assigned to policy versions) and `ExperimentalChecks`
 * (not yet assigned). Port of `addCheck`, `DefaultChecks` and `ExperimentalChecks`
 * (`staging/src/k8s.io/pod-security-admission/policy/checks.go`), kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 * Upstream registers each check in its file's `init()`; Go runs those in file-name order, which is the order here.
 */
import { Version } from "./api/version";
import type { Check } from "./check";
import { checkAllowPrivilegeEscalation } from "./checks/allowPrivilegeEscalation";
import { checkAppArmorProfile } from "./checks/appArmorProfile";
import { checkCapabilitiesBaseline } from "./checks/capabilitiesBaseline";
import { checkCapabilitiesRestricted } from "./checks/capabilitiesRestricted";
import { checkHostNamespaces } from "./checks/hostNamespaces";
import { checkHostPathVolumes } from "./checks/hostPathVolumes";
import { checkHostPorts } from "./checks/hostPorts";
import { checkHostProbesAndHostLifecycle } from "./checks/hostProbesAndHostLifecycle";
import { checkPrivileged } from "./checks/privileged";
import { checkProcMountBaseline } from "./checks/procMountBaseline";
import { checkProcMountRestricted } from "./checks/procMountRestricted";
import { checkRestrictedVolumes } from "./checks/restrictedVolumes";
import { checkRunAsNonRoot } from "./checks/runAsNonRoot";
import { checkRunAsUser } from "./checks/runAsUser";
import { checkSELinuxOptions } from "./checks/seLinuxOptions";
import { checkSeccompBaseline } from "./checks/seccompProfileBaseline";
import { checkSeccompProfileRestricted } from "./checks/seccompProfileRestricted";
import { checkSysctls } from "./checks/sysctls";
import { checkWindowsHostProcess } from "./checks/windowsHostProcess";

/** Every check, in upstream's registration order (file names: check_allowPrivilegeEscalation.go first). */
const REGISTERED: readonly (() => Check)[] = [
  checkAllowPrivilegeEscalation,
  checkAppArmorProfile,
  checkCapabilitiesBaseline,
  checkCapabilitiesRestricted,
  checkHostNamespaces,
  checkHostPathVolumes,
  checkHostPorts,
  checkHostProbesAndHostLifecycle,
  checkPrivileged,
  checkProcMountBaseline,
  checkProcMountRestricted,
  checkRestrictedVolumes,
  checkRunAsNonRoot,
  checkRunAsUser,
  checkSELinuxOptions,
  checkSeccompBaseline,
  checkSeccompProfileRestricted,
  checkSysctls,
  checkWindowsHostProcess,
];

/** A check not yet assigned to a version: a single revision whose minimum version is the zero value. */
function isExperimental(check: Check): boolean {
  return check.versions.length === 1 && check.versions[0].minimumVersion.equals(Version.zero());
}

/** Checks enabled by default (assigned to policy versions); a fresh copy on each call. */
export function defaultChecks(): Check[] {
  return REGISTERED.map((f) => f()).filter((c) => !isExperimental(c));
}

/** Checks not yet assigned to a policy version; a fresh copy on each call. */
export function experimentalChecks(): Check[] {
  return REGISTERED.map((f) => f()).filter(isExperimental);
}
