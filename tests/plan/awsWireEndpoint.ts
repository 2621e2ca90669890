/**
 * A local AWS endpoint that answers the three calls a user makes before planning (`aws eks describe-cluster`,
 * `aws ec2 describe-vpcs`, `aws ec2 describe-instances`) on the wire, from a fake account, so the real AWS CLI can
 * be pointed at it (`--endpoint-url`) and print exactly what it prints for a real account.
 *
 * Wire formats: EC2 is the `ec2Query` protocol (form-encoded POST with `Action=...`; the answer is XML, root
 * `<{Operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`, members under their `xmlName`, list
 * entries as `<item>`, timestamps ISO 8601); EKS is `restJson1` (`GET /clusters/{name}`, JSON, timestamps as epoch
 * seconds). Element names, list item names and member kinds come from the SDK's own schemas
 * (`@aws-sdk/client-ec2` / `client-eks`), not from hand-written templates. Filters and pagination are not served:
 * every call answers the whole account in one page.
 */
import * as http from "node:http";
import { DescribeInstancesResult$, DescribeVpcsResult$ } from "@aws-sdk/client-ec2";
import { DescribeClusterResponse$ } from "@aws-sdk/client-eks";
import { NormalizedSchema } from "@smithy/core/schema";
import type { AwsWorld } from "../../harness/aws/world";

type SchemaRef = Parameters<typeof NormalizedSchema.of>[0];

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A value of `schema` as the body of an EC2 XML element. */
function ec2Xml(schema: SchemaRef, value: unknown): string {
  const ns = NormalizedSchema.of(schema);
  if (ns.isStructSchema()) {
    const obj = value as Record<string, unknown>;
    let out = "";
    for (const [name, member] of ns.structIterator()) {
      const v = obj[name];
      if (v !== undefined && v !== null) {
        const tag = String(member.getMergedTraits().xmlName ?? name);
        out += `<${tag}>${ec2Xml(member, v)}</${tag}>`;
      }
    }
    return out;
  }
  if (ns.isListSchema()) {
    const item = String(ns.getValueSchema().getMergedTraits().xmlName ?? "item");
    return (value as unknown[]).map((v) => `<${item}>${ec2Xml(ns.getValueSchema(), v)}</${item}>`).join("");
  }
  if (ns.isTimestampSchema()) {
    return (value as Date).toISOString();
  }
  return escapeXml(String(value));
}

/** A value of `schema` as restJson1 JSON: timestamps as epoch seconds. */
function restJson(schema: SchemaRef, value: unknown): unknown {
  const ns = NormalizedSchema.of(schema);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (ns.isTimestampSchema()) {
    return (value as Date).getTime() / 1000;
  }
  if (ns.isListSchema()) {
    return (value as unknown[]).map((v) => restJson(ns.getValueSchema(), v));
  }
  if (ns.isMapSchema()) {
    return Object.fromEntries(
      Object.entries(value as object).map(([k, v]) => [k, restJson(ns.getValueSchema(), v)]),
    );
  }
  if (ns.isStructSchema()) {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const v = restJson(member, obj[name]);
      if (v !== undefined) {
        out[String(member.getMergedTraits().jsonName ?? name)] = v;
      }
    }
    return out;
  }
  return value;
}

const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

function ec2Response(world: AwsWorld, action: string): string | undefined {
  const envelope = (schema: SchemaRef, body: unknown) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NS}">` +
    `<requestId>8f7724cf-496f-496e-8fe3-000000000000</requestId>${ec2Xml(schema, body)}</${action}Response>`;
  switch (action) {
    case "DescribeInstances":
      return envelope(DescribeInstancesResult$, {
        Reservations: world.instances.map((i) => ({
          ReservationId: `r-${i.InstanceId?.slice(2)}`,
          OwnerId: world.accountId,
          Groups: [],
          Instances: [i],
        })),
      });
    case "DescribeVpcs":
      return envelope(DescribeVpcsResult$, { Vpcs: world.vpcs });
    default:
      return undefined;
  }
}

/** A running endpoint. */
export interface WireEndpoint {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Calls served, as `EC2 DescribeInstances` or `EKS GET /clusters/demo`. */
  calls: string[];
  close(): Promise<void>;
}

/** Starts the endpoint on a free local port. */
export async function startWireEndpoint(world: AwsWorld, createdAt: Date): Promise<WireEndpoint> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const cluster = /^\/clusters\/([^/?]+)/.exec(req.url ?? "");
      if (req.method === "GET" && cluster) {
        calls.push(`EKS GET /clusters/${cluster[1]}`);
        const found = world.clusters.find((c) => c.name === decodeURIComponent(cluster[1]));
        if (!found) {
          res.writeHead(404, {
            "content-type": "application/json",
            "x-amzn-errortype": "ResourceNotFoundException",
          });
          res.end(JSON.stringify({ message: `No cluster found for name: ${cluster[1]}.` }));
          return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(restJson(DescribeClusterResponse$, { cluster: { ...found, createdAt } })));
        return;
      }
      const action = new URLSearchParams(body).get("Action") ?? "";
      calls.push(`EC2 ${action}`);
      const xml = ec2Response(world, action);
      if (!xml) {
        res.writeHead(400, { "content-type": "text/xml" });
        res.end(
          `<Response><Errors><Error><Code>InvalidAction</Code><Message>${escapeXml(action)}</Message></Error></Errors></Response>`,
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/xml;charset=UTF-8" });
      res.end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
