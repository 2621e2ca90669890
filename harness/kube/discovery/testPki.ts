/**
 * A throwaway PKI for TLS tests, made with the openssl CLI (Debian's `openssl` package): a CA, a server certificate
 * for 127.0.0.1, a server certificate valid only for the name `kube-apiserver.test` (to exercise
 * `tls-server-name`), a client certificate as kubeadm issues for `kubernetes-admin`, and an unrelated CA.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A key and its certificate, PEM. */
export interface KeyPair {
  /** PEM private key. */
  key: Buffer;
  /** PEM certificate. */
  cert: Buffer;
}

/** Everything a TLS test needs. */
export interface TestPki {
  /** The cluster CA certificate (PEM). */
  ca: Buffer;
  /** Server certificate for IP 127.0.0.1. */
  server: KeyPair;
  /** Server certificate for DNS name `kube-apiserver.test` only. */
  namedServer: KeyPair;
  /** Client certificate `CN=kubernetes-admin, O=system:masters`, signed by the CA. */
  client: KeyPair;
  /** A CA that signed none of the above. */
  otherCa: Buffer;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`,
  ]); // prettier-ignore
}

function issued(dir: string, name: string, subject: string, extension: string): KeyPair {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extension);
  openssl(dir, [
    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject,
    "-keyout", `${name}.key`, "-out", `${name}.csr`,
  ]); // prettier-ignore
  openssl(dir, [
    "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
    "-extfile", `${name}.ext`, "-out", `${name}.crt`,
  ]); // prettier-ignore
  return {
    key: fs.readFileSync(path.join(dir, `${name}.key`)),
    cert: fs.readFileSync(path.join(dir, `${name}.crt`)),
  };
}

/** Creates the PKI in a fresh temporary directory (removed before returning). */
export function createTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-pki-"));
  try {
    selfSignedCa(dir, "ca");
    selfSignedCa(dir, "other-ca");
    const server = issued(
      dir,
      "server",
      "/CN=kube-apiserver",
      "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
    const namedServer = issued(
      dir,
      "named",
      "/CN=kube-apiserver",
      "subjectAltName=DNS:kube-apiserver.test\nextendedKeyUsage=serverAuth\n",
    );
    const client = issued(
      dir,
      "client",
      "/O=system:masters/CN=kubernetes-admin",
      "extendedKeyUsage=clientAuth\n",
    );
    return {
      ca: fs.readFileSync(path.join(dir, "ca.crt")),
      server,
      namedServer,
      client,
      otherCa: fs.readFileSync(path.join(dir, "other-ca.crt")),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
