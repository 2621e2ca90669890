/**
 * TLS material for the fake sensor, made with the openssl CLI (Debian's openssl, which ca-certificates pulls
 * in): a test CA, a server certificate it signed for `sensor.test` and 127.0.0.1, and an unrelated CA that
 * must not verify it. Made once per process in a temporary folder that is removed once read; nothing is
 * committed.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** PEM texts for one test PKI. */
export interface TestCertificates {
  /** The CA that signed the server certificate. */
  caCertificate: string;
  /** A CA that signed nothing here (verification against it must fail). */
  unrelatedCaCertificate: string;
  /** Server certificate: CN and DNS name `sensor.test`, IP address 127.0.0.1. */
  serverCertificate: string;
  /** The server certificate's private key. */
  serverKey: string;
  /** The name the server certificate is issued to. */
  serverName: string;
}

let cached: TestCertificates | undefined;

/** Runs one openssl command line (arguments separated by single spaces, none containing one). */
function openssl(commandLine: string, cwd: string): void {
  const args = commandLine.split(" ");
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`openssl ${args[0]} failed (install Debian's openssl): ${stderr}`);
  }
}

const EC_KEY = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

function makeCa(dir: string, name: string): void {
  openssl(
    `req -x509 ${EC_KEY} -keyout ${name}.key -out ${name}.pem -days 2 -subj /CN=ppf-test-${name} ` +
      "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
    dir,
  );
}

/** The test PKI (made on first use). */
export function testCertificates(): TestCertificates {
  if (cached) {
    return cached;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-sensor-tls-"));
  makeCa(dir, "ca");
  makeCa(dir, "unrelated-ca");
  const serverName = "sensor.test";
  fs.writeFileSync(
    path.join(dir, "server.ext"),
    `subjectAltName=DNS:${serverName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`,
  );
  openssl(`req ${EC_KEY} -keyout server.key -out server.csr -subj /CN=${serverName}`, dir);
  openssl(
    "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 -extfile server.ext -out server.pem",
    dir,
  );
  const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
  cached = {
    caCertificate: read("ca.pem"),
    unrelatedCaCertificate: read("unrelated-ca.pem"),
    serverCertificate: read("server.pem"),
    serverKey: read("server.key"),
    serverName,
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return cached;
}
