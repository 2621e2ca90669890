/**
 * Pod Security policy versions (`v1.N` or `latest`). Port of `Version`, `MajorMinorVersion`, `LatestVersion`,
 * `ParseVersion` and `Older` from `staging/src/k8s.io/pod-security-admission/api/helpers.go`,
 * kubernetes/kubernetes at dde51bfc48b109a0f311055843d4d81a1966e9da (read from the mirror
 * kubernetes/pod-security-admission at 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8). Apache-2.0, The Kubernetes Authors.
 */

const VERSION_PATTERN = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** A policy version. Immutable; compare with {@link Version.equals} (Go compares the struct). */
export class Version {
  private constructor(
    /** Major version (1), 0 for the zero value. */
    readonly major: number,
    /** Minor version. */
    readonly minor: number,
    /** True for `latest`, newer than every numbered version. */
    readonly latest: boolean,
  ) {}

  /** `v<major>.<minor>`. */
  static majorMinor(major: number, minor: number): Version {
    return new Version(major, minor, false);
  }

  /** `latest`. */
  static latestVersion(): Version {
    return new Version(0, 0, true);
  }

  /** Go's zero value `api.Version{}`: what a check not yet assigned to a version carries. */
  static zero(): Version {
    return new Version(0, 0, false);
  }

  /** `latest` or `v<major>.<minor>`. */
  toString(): string {
    return this.latest ? "latest" : `v${this.major}.${this.minor}`;
  }

  /** True when this version is older than `other` (`latest` is newer than any numbered version, even future ones). */
  older(other: Version): boolean {
    if (this.latest) {
      return false;
    }
    if (other.latest) {
      return true;
    }
    if (this.major !== other.major) {
      return this.major < other.major;
    }
    return this.minor < other.minor;
  }

  /** Same version (Go's struct equality). */
  equals(other: Version): boolean {
    return this.major === other.major && this.minor === other.minor && this.latest === other.latest;
  }

  /** True for `latest`. */
  isLatest(): boolean {
    return this.latest;
  }
}

/** The version after `v` (`latest` stays `latest`); assumes one major version, as upstream does. */
export function nextMinor(v: Version): Version {
  return v.isLatest() ? v : Version.majorMinor(v.major, v.minor + 1);
}

/**
 * Parses `latest` or `v1.x`. Throws `must be "latest" or "v1.x"` otherwise (upstream returns `latest` with that
 * error; callers here that need the fallback use {@link parseVersionOrLatest}).
 */
export function parseVersion(version: string): Version {
  const parsed = parseVersionOrLatest(version);
  if (parsed.error) {
    throw new Error(parsed.error);
  }
  return parsed.version;
}

/** Upstream's two results: the version (`latest` when invalid) and the error text, if any. */
export function parseVersionOrLatest(version: string): { version: Version; error?: string } {
  if (version === "latest") {
    return { version: Version.latestVersion() };
  }
  const match = VERSION_PATTERN.exec(version);
  if (!match) {
    return { version: Version.latestVersion(), error: 'must be "latest" or "v1.x"' };
  }
  const minor = Number.parseInt(match[1], 10);
  if (!Number.isSafeInteger(minor) || minor < 0) {
    return { version: Version.latestVersion(), error: 'must be "latest" or "v1.x"' };
  }
  return { version: Version.majorMinor(1, minor) };
}
