/**
 * Throttling is retried by the real SDK middleware (adaptive retry mode) of the handler's EC2 client.
 * aws-sdk-client-mock replaces `send` and so bypasses the retry middleware; this test instead answers at the HTTP
 * layer with EC2's own throttling response, so the SDK's retry strategy really runs.
 */
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { createEc2Client } from "../../lambda/reconciler/index";
import { listSessions } from "../../lambda/reconciler/reconcile";

const THROTTLED = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>5f1d2c3b-0000-4000-8000-000000000001</RequestID></Response>`;

const SESSIONS = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeTrafficMirrorSessionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>5f1d2c3b-0000-4000-8000-000000000002</requestId>
  <trafficMirrorSessionSet>
    <item>
      <trafficMirrorSessionId>tms-0a000000000000001</trafficMirrorSessionId>
      <trafficMirrorTargetId>tmt-0ee55ff6600770088</trafficMirrorTargetId>
      <trafficMirrorFilterId>tmf-0aa11bb22cc33dd44</trafficMirrorFilterId>
      <networkInterfaceId>eni-000000000000a0010</networkInterfaceId>
      <ownerId>111122223333</ownerId>
      <sessionNumber>10</sessionNumber>
      <virtualNetworkId>1234</virtualNetworkId>
      <tagSet><item><key>pod-packet-forwarding/owner</key><value>pod-packet-forwarding/test/mirror</value></item></tagSet>
    </item>
  </trafficMirrorSessionSet>
</DescribeTrafficMirrorSessionsResponse>`;

describe("EC2 client retry (real SDK middleware)", () => {
  it("retries RequestLimitExceeded with backoff (adaptive mode) and then succeeds", async () => {
    const seen: string[] = [];
    let calls = 0;
    const requestHandler = {
      handle: async (request: { body?: unknown }) => {
        calls += 1;
        seen.push(String(request.body).match(/Action=(\w+)/)?.[1] ?? "?");
        const throttled = calls <= 2;
        return {
          // Shaped like @smithy/protocol-http's HttpResponse (checked structurally by the SDK).
          response: {
            statusCode: throttled ? 503 : 200,
            headers: { "content-type": "text/xml;charset=UTF-8" },
            body: Readable.from([Buffer.from(throttled ? THROTTLED : SESSIONS)]),
          },
        };
      },
    };
    const client = createEc2Client({
      region: "us-east-1",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      },
      requestHandler,
    });
    assert.equal(await client.config.maxAttempts(), 8);
    const mode = client.config.retryMode;
    assert.equal(typeof mode === "string" ? mode : await mode(), "adaptive");
    const sessions = await listSessions(client);
    assert.equal(calls, 3, "two throttled attempts, then success");
    assert.deepEqual(seen, [
      "DescribeTrafficMirrorSessions",
      "DescribeTrafficMirrorSessions",
      "DescribeTrafficMirrorSessions",
    ]);
    assert.deepEqual(
      sessions.map((s) => [s.TrafficMirrorSessionId, s.NetworkInterfaceId, s.SessionNumber]),
      [["tms-0a000000000000001", "eni-000000000000a0010", 10]],
    );
  });
});
