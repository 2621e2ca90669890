/**
 * A fake account printed the way AWS CLI version 2 prints its API output by default: the API's shapes as JSON,
 * timestamps as ISO 8601 strings in Python's `datetime.isoformat()` form (`2026-11-02T08:15:00+00:00`; the CLI's
 * `cli_timestamp_format = iso8601`, version 2's default per the AWS CLI user guide, "Common parameter types";
 * aws-cli `awscli/utils.py` `json_encoder` formats botocore's datetimes). Version 1's default (`none`) prints the
 * wire value instead; `realAwsCli.test.ts` runs the installed CLI in both settings.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AwsWorld } from "../../harness/aws/world";

/** `datetime.isoformat()` of a UTC instant: microseconds only when non-zero, offset `+00:00`. */
export function isoformat(d: Date): string {
  const ms = d.getUTCMilliseconds();
  const base = d.toISOString().slice(0, 19);
  return `${base}${ms ? `.${String(ms * 1000).padStart(6, "0")}` : ""}+00:00`;
}

/** A value with every Date printed as the CLI prints it. */
export function asCliJson(value: unknown): unknown {
  if (value instanceof Date) {
    return isoformat(value);
  }
  if (Array.isArray(value)) {
    return value.map(asCliJson);
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asCliJson(v)]));
  }
  return value;
}

/** The three files a user saves, for the account's first cluster; returns their paths. */
export function writeCliOutput(
  world: AwsWorld,
  dir: string,
): { cluster: string; vpcs: string; instances: string } {
  const files = {
    cluster: path.join(dir, "describe-cluster.json"),
    vpcs: path.join(dir, "describe-vpcs.json"),
    instances: path.join(dir, "describe-instances.json"),
  };
  const write = (file: string, body: unknown) =>
    fs.writeFileSync(file, `${JSON.stringify(asCliJson(body), null, 4)}\n`);
  write(files.cluster, {
    cluster: { createdAt: new Date("2026-10-01T09:30:12.345Z"), ...world.clusters[0] },
  });
  write(files.vpcs, { Vpcs: world.vpcs });
  write(files.instances, {
    Reservations: world.instances.map((i) => ({
      ReservationId: `r-${i.InstanceId?.slice(2)}`,
      OwnerId: world.accountId,
      Groups: [],
      Instances: [i],
    })),
  });
  return files;
}
