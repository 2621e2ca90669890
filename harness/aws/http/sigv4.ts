/**
 * AWS Signature Version 4 as the receiving side checks it, ported from the AWS General Reference ("Create a signed
 * AWS API request", https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): the canonical
 * request (method, URI, sorted query, lower-cased and trimmed signed headers, the payload's SHA-256), the string to
 * sign (`AWS4-HMAC-SHA256`, the `X-Amz-Date`, the credential scope, the canonical request's hash) and the signing key
 * (HMAC chain over date, region, service and `aws4_request`). A request signed with another secret than the one of
 * its access key id fails, as it does at AWS, so the fake proves which credentials signed each request.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** What the `Authorization` header says. */
export interface SigV4Authorization {
  /** Access key id (`AKIA...` long-term, `ASIA...` temporary). */
  accessKeyId: string;
  /** `YYYYMMDD` of the scope. */
  date: string;
  /** Region of the scope. */
  region: string;
  /** Service of the scope (`ec2`, `sts`). */
  service: string;
  /** Lower-case header names that were signed, in order. */
  signedHeaders: string[];
  /** Hex signature. */
  signature: string;
}

/** The request as the server received it. */
export interface ReceivedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query string as sent. */
  url: string;
  /** Headers, names lower-cased (Node's `IncomingMessage.headers`). */
  headers: Record<string, string | string[] | undefined>;
  /** Raw body. */
  body: Buffer;
}

const PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Parses an `Authorization` header, or undefined when it is not SigV4. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  const m = PATTERN.exec(header ?? "");
  if (!m) {
    return undefined;
  }
  return {
    accessKeyId: m[1],
    date: m[2],
    region: m[3],
    service: m[4],
    signedHeaders: m[5].split(";"),
    signature: m[6],
  };
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else `%XX` upper case). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalQuery(search: string): string {
  const params = [...new URLSearchParams(search)].map(([k, v]) => [encode(k), encode(v)]);
  params.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return params.map(([k, v]) => `${k}=${v}`).join("&");
}

function headerValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined.trim().replace(/\s+/g, " ");
}

/**
 * The signature the request should carry if it was signed with `secretAccessKey`.
 * @param request the received request
 * @param auth its parsed `Authorization` header
 * @param secretAccessKey the secret of `auth.accessKeyId`
 */
export function expectedSignature(
  request: ReceivedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
): string {
  const url = new URL(request.url, "http://fake.invalid");
  const payloadHash = headerValue(request.headers["x-amz-content-sha256"]) || sha256(request.body);
  const canonicalHeaders = auth.signedHeaders
    .map((h) => `${h}:${headerValue(request.headers[h])}\n`)
    .join("");
  const canonicalRequest = [
    request.method,
    url.pathname
      .split("/")
      .map((s) => encode(decodeURIComponent(s)))
      .join("/"),
    canonicalQuery(url.search),
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const amzDate = headerValue(request.headers["x-amz-date"]);
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  const key = ["aws4_request"].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, auth.date), auth.region), auth.service),
  );
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

/** True when the request's signature was made with `secretAccessKey`, over every header it claims to sign. */
export function signatureMatches(
  request: ReceivedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
): boolean {
  if (!auth.signedHeaders.includes("host") || !request.headers["x-amz-date"]) {
    return false;
  }
  const expected = Buffer.from(expectedSignature(request, auth, secretAccessKey), "hex");
  const given = Buffer.from(auth.signature, "hex");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
