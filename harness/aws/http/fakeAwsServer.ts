/**
 * A local fake of AWS at the HTTP level, for code that builds real AWS SDK v3 clients: point the SDK at it with
 * `AWS_ENDPOINT_URL=<url>` (the SDK's endpoint setting for every service), and it answers EC2 Query
 * (DescribeInstances, DescribeNetworkInterfaces, DescribeTrafficMirrorSessions) and STS Query (AssumeRole) on one
 * port, routed by the service of each request's SigV4 credential scope, as AWS routes by host name.
 *
 * Every request is authenticated the way AWS does it: the access key id must be a user's long-term key or a
 * temporary key STS issued (then with its `X-Amz-Security-Token`), and the SigV4 signature must have been made with
 * that key's secret (`sigv4.ts`). Every request is recorded with the access key id that signed it, so a test can
 * check which credentials reached which API, instead of trusting the client's configuration.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { EC2_ACTIONS, Ec2QueryError, ec2ErrorXml } from "./ec2Query";
import type { FakeAwsAccount, IssuedCredentials } from "./fakeAccount";
import { parseAuthorization, signatureMatches, type ReceivedRequest } from "./sigv4";
import { assumeRole, StsQueryError, stsErrorXml, type Caller } from "./stsQuery";

/** One request as the fake saw it. */
export interface RecordedAwsRequest {
  /** Service of the SigV4 scope (`ec2`, `sts`), or `unknown`. */
  service: string;
  /** `Action` parameter. */
  action: string;
  /** Access key id that signed it (empty when unsigned). */
  accessKeyId: string;
  /** Region of the SigV4 scope. */
  region: string;
  /** Caller ARN, when the credentials were valid. */
  caller?: string;
  /** HTTP status answered. */
  status: number;
  /** AWS error code answered, if any. */
  errorCode?: string;
  /** The form parameters. */
  params: Record<string, string>;
}

/** A running fake. */
export interface FakeAwsServer {
  /** Base URL for `AWS_ENDPOINT_URL`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request, in arrival order. */
  requests: RecordedAwsRequest[];
  /** Temporary credentials STS issued. */
  issued: IssuedCredentials[];
  /** Stops the server. */
  close(): Promise<void>;
}

class AuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function header(req: ReceivedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Identifies and authenticates the caller of a signed request. */
function authenticate(
  account: FakeAwsAccount,
  issued: IssuedCredentials[],
  req: ReceivedRequest,
  service: string,
): Caller {
  const auth = parseAuthorization(header(req, "authorization"));
  const invalid =
    service === "ec2"
      ? new AuthError("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
      : new AuthError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
  if (!auth) {
    throw new AuthError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
  }
  const user = account.users.find((u) => u.accessKeyId === auth.accessKeyId);
  const session = issued.find((c) => c.accessKeyId === auth.accessKeyId);
  if (!user && !session) {
    throw invalid;
  }
  if (session && header(req, "x-amz-security-token") !== session.sessionToken) {
    throw invalid;
  }
  const secret = user?.secretAccessKey ?? session?.secretAccessKey ?? "";
  if (!signatureMatches(req, auth, secret)) {
    throw new AuthError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
      403,
    );
  }
  return user
    ? { arn: user.userArn, trustArn: user.userArn, accessKeyId: auth.accessKeyId }
    : {
        arn: session?.assumedRoleArn ?? "",
        trustArn: session?.roleArn ?? "",
        accessKeyId: auth.accessKeyId,
      };
}

function answer(
  account: FakeAwsAccount,
  issued: IssuedCredentials[],
  req: ReceivedRequest,
  record: RecordedAwsRequest,
  params: URLSearchParams,
): { status: number; body: string } {
  const requestId = randomUUID();
  const service = record.service;
  const fail = (code: string, message: string, status: number) => {
    record.errorCode = code;
    return {
      status,
      body:
        service === "sts"
          ? stsErrorXml(code, message, requestId, status)
          : ec2ErrorXml(code, message, requestId),
    };
  };
  let caller: Caller;
  try {
    caller = authenticate(account, issued, req, service);
  } catch (err) {
    if (err instanceof AuthError) {
      return fail(err.code, err.message, err.status);
    }
    throw err;
  }
  record.caller = caller.arn;
  try {
    if (service === "sts") {
      if (record.action !== "AssumeRole") {
        return fail("InvalidAction", `Could not find operation ${record.action} for version 2011-06-15`, 400);
      }
      return { status: 200, body: assumeRole(account, caller, params, issued, requestId) };
    }
    if (service === "ec2") {
      const handler = EC2_ACTIONS[record.action];
      if (!handler) {
        return fail("InvalidAction", `The action ${record.action} is not valid for this web service.`, 400);
      }
      if (account.ec2Principals && !account.ec2Principals.includes(caller.trustArn)) {
        return fail(
          "UnauthorizedOperation",
          `You are not authorized to perform this operation. User: ${caller.arn} is not authorized to perform: ` +
            `ec2:${record.action} because no identity-based policy allows the ec2:${record.action} action`,
          403,
        );
      }
      return { status: 200, body: handler(account.world, params, requestId) };
    }
    return fail("UnknownService", `no fake for service ${service}`, 400);
  } catch (err) {
    if (err instanceof Ec2QueryError || err instanceof StsQueryError) {
      return fail(err.code, err.message, err.status);
    }
    throw err;
  }
}

/**
 * Starts the fake on 127.0.0.1 (a free port).
 * @param account the account it answers for (live: tests may change it between requests)
 */
export async function startFakeAwsServer(account: FakeAwsAccount): Promise<FakeAwsServer> {
  const requests: RecordedAwsRequest[] = [];
  const issued: IssuedCredentials[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: ReceivedRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const params = new URLSearchParams(received.body.toString("utf8"));
      for (const [k, v] of new URL(received.url, "http://fake.invalid").searchParams) {
        params.append(k, v);
      }
      const auth = parseAuthorization(header(received, "authorization"));
      const record: RecordedAwsRequest = {
        service: auth?.service ?? "unknown",
        action: params.get("Action") ?? "",
        accessKeyId: auth?.accessKeyId ?? "",
        region: auth?.region ?? "",
        status: 0,
        params: Object.fromEntries(params),
      };
      requests.push(record);
      let result: { status: number; body: string };
      try {
        result = answer(account, issued, received, record, params);
      } catch (err) {
        record.errorCode = "InternalError";
        result = { status: 500, body: ec2ErrorXml("InternalError", (err as Error).message, randomUUID()) };
      }
      record.status = result.status;
      res.writeHead(result.status, { "content-type": "text/xml;charset=UTF-8" });
      res.end(result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
