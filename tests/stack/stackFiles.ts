/**
 * The project file and the stacks the tests put through the CLI's config rules: every shipped stack file, a
 * minimal stack (only what the program needs on EKS), and the prod example with its kubeconfig encrypted by the
 * passphrase secrets provider exactly as `pulumi config set --secret` writes it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { newPassphraseState } from "../../harness/pulumiCli/crypter";

/** The checkout's root. */
export const ROOT = path.resolve(__dirname, "..", "..");

/** The project name (config namespace). */
export const PROJECT = "pod-packet-forwarding";

/** Pulumi.yaml's text. */
export function projectText(): string {
  return fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
}

/** A stack to run through the CLI: its name and its stack file's text. */
export interface StackFixture {
  /** Stack name (`dev` for Pulumi.dev.yaml; `prod` for the prod example, as its header says to name it). */
  stack: string;
  /** Where it comes from, for test titles. */
  source: string;
  /** The stack file's text. */
  text: string;
  /** PULUMI_CONFIG_PASSPHRASE, for a stack with encrypted values. */
  passphrase?: string;
}

/** Every shipped stack file: Pulumi.<stack>.yaml and Pulumi.<stack>.example.yaml. */
export function shippedStacks(): StackFixture[] {
  return fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\.[\w-]+(\.example)?\.yaml$/.test(f))
    .sort()
    .map((file) => ({
      stack: file.replace(/^Pulumi\.([\w-]+)(\.example)?\.yaml$/, "$1"),
      source: file,
      text: fs.readFileSync(path.join(ROOT, file), "utf8"),
    }));
}

/** The package path the shipped stacks name (relative to the project folder). */
export const SHIPPED_PACKAGE = "vendor/rpcapd_9.6.0.1234_amd64.deb";

/** Only the keys the program cannot do without on EKS: region, cluster, sensors, the rpcapd package. */
export const MINIMAL_STACK: StackFixture = {
  stack: "minimal",
  source: "a minimal stack",
  text: [
    "config:",
    "  aws:region: us-east-1",
    `  ${PROJECT}:clusterName: demo`,
    `  ${PROJECT}:sensorIps:`,
    "    - 10.0.200.10",
    `  ${PROJECT}:rpcapdPackage: ${SHIPPED_PACKAGE}`,
    "",
  ].join("\n"),
};

/** The passphrase of the encrypted variant (tests only). */
export const TEST_PASSPHRASE = "pod-packet-forwarding tests";

/** A kubeconfig of the user's own, as the prod example's comment suggests storing it. */
export const OWN_KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters:",
  "  - name: prod-eks",
  "    cluster:",
  "      server: https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com",
  "      certificate-authority-data: LS0tLS1CRUdJTi0tLS0t",
  "contexts:",
  "  - name: prod-eks",
  "    context: { cluster: prod-eks, user: deployer }",
  "current-context: prod-eks",
  "users:",
  "  - name: deployer",
  "    user:",
  "      exec:",
  "        apiVersion: client.authentication.k8s.io/v1beta1",
  "        command: aws",
  "        args: [eks, get-token, --cluster-name, prod-eks, --region, us-east-1]",
  "",
].join("\n");

let encrypted: Promise<StackFixture> | undefined;

/**
 * The prod example after `pulumi stack init prod` with the passphrase provider and
 * `pulumi config set --secret kubeconfig ...`: `encryptionsalt` at the top, the value as `secure: v1:...`.
 */
export function prodWithEncryptedKubeconfig(): Promise<StackFixture> {
  encrypted ??= (async () => {
    const prod = shippedStacks().find((s) => s.source === "Pulumi.prod.example.yaml");
    if (!prod) {
      throw new Error("Pulumi.prod.example.yaml is missing");
    }
    const { encryptionSalt, crypter } = await newPassphraseState(TEST_PASSPHRASE);
    const doc = YAML.parseDocument(prod.text);
    doc.set("encryptionsalt", encryptionSalt);
    doc.setIn(["config", `${PROJECT}:kubeconfig`], { secure: await crypter.encryptValue(OWN_KUBECONFIG) });
    return {
      stack: "prod",
      source: "Pulumi.prod.example.yaml with an encrypted kubeconfig",
      text: doc.toString(),
      passphrase: TEST_PASSPHRASE,
    };
  })();
  return encrypted;
}
