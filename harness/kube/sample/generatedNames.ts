/**
 * The names and ids the API server and the controllers generate, made reproducible from a seed so the sample cluster
 * lists the same objects on every run:
 * - `metadata.uid`: a UUID (k8s.io/apimachinery `pkg/util/uuid`);
 * - the 5-character suffix of `generateName` (k8s.io/apiserver `pkg/storage/names`, `SimpleNameGenerator`, which
 *   draws from `bcdfghjklmnpqrstvwxz2456789`: no vowels, no 0, 1 or 3);
 * - a `pod-template-hash` or `controller-revision-hash`: the controllers take a 32-bit FNV hash of the template, print
 *   it in decimal and map each byte of that text into the same alphabet (kubernetes/kubernetes
 *   `pkg/controller/controller_utils.go` `ComputeHash`, k8s.io/apimachinery `pkg/util/rand` `SafeEncodeString`), so
 *   a hash has 1 to 10 characters among `456789bcdf`.
 */
import { createHash } from "node:crypto";

/** The alphabet of generated suffixes and hashes. */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

function digest(seed: string): Buffer {
  return createHash("sha256").update(seed).digest();
}

/** A UUID derived from `seed`. */
export function uidFor(seed: string): string {
  const hex = digest(`uid/${seed}`).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `length` characters of the safe alphabet derived from `seed`. */
export function safeString(seed: string, length: number): string {
  return [...digest(`name/${seed}`).subarray(0, length)]
    .map((b) => SAFE_ALPHABET[b % SAFE_ALPHABET.length])
    .join("");
}

/** A generated object name: `generateName` followed by a 5-character suffix. */
export function generatedName(generateName: string, seed: string): string {
  return `${generateName}${safeString(seed, 5)}`;
}

/** A template hash as the Deployment and DaemonSet controllers print it (here from a hash of `seed`). */
export function templateHash(seed: string): string {
  const decimal = String(digest(`hash/${seed}`).readUInt32BE(0));
  return [...Buffer.from(decimal)].map((b) => SAFE_ALPHABET[b % SAFE_ALPHABET.length]).join("");
}
