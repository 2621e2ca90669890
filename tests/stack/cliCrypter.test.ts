/**
 * The passphrase secrets provider's crypto, checked against values the Pulumi CLI itself wrote:
 * - pkg/secrets/passphrase/manager_test.go: the state `v1:fozI5u6B030=:...` opens with "password" and not with
 *   "password123"; a state without its version tag is refused;
 * - tests/roundtrip/roundtrip_test.go (TestConfigRoundtripComments): a stack file written by `pulumi` with
 *   passphrase "TestConfigRoundtripComments", holding `foo:d: {secure: v1:T1ftqhY0...}`;
 * both at the pulumi/pulumi commit in harness/pulumiCli/source.ts. A ciphertext this port writes is opened again
 * through the same code path the CLI's values take.
 */
import { strict as assert } from "node:assert";
import {
  IncorrectPassphraseError,
  newPassphraseState,
  nopCrypter,
  passphraseCrypter,
} from "../../harness/pulumiCli/crypter";
import { loadProject } from "../../harness/pulumiCli/project";
import { loadProjectStack } from "../../harness/pulumiCli/projectStack";
import { stackConfiguration } from "../../harness/pulumiCli/stackConfiguration";

const MANAGER_TEST_STATE = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==";
const MANAGER_TEST_BROKEN_STATE = "fozI5u6B030=:v1:F+6ZduL:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==";

const ROUNDTRIP_PROJECT = "\nname: foo\nruntime: yaml\n";
const ROUNDTRIP_STACK = `
encryptionsalt: v1:ThS5UPxP9qc=:v1:UZYAXF+ylaJ0rGhv:9OTvBnOEDFgxs7btjzSu+LZ470vLpg==
# header comment
config:
  foo:a: some-value # comment after value
  # comment before key
  foo:b: some-value
  foo:c:
    a: A
    b: B
    c:
      - 1
      - 2
      - 3 # comment in array
      # comment after array
  foo:d:
    secure: v1:T1ftqhY0hqr+EJK6:+jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA== # comment on secret

# footer comment`;

describe("Pulumi CLI passphrase secrets (values the CLI wrote)", function () {
  // PBKDF2 with 1,000,000 iterations, once per passphrase and salt: slow by design.
  this.timeout(60000);

  it("opens manager_test.go's state with its passphrase, and refuses another passphrase", async () => {
    const crypter = await passphraseCrypter("password", MANAGER_TEST_STATE);
    assert.equal(await crypter.decryptValue(MANAGER_TEST_STATE.split(":").slice(2).join(":")), "pulumi");
    await assert.rejects(passphraseCrypter("password123", MANAGER_TEST_STATE), IncorrectPassphraseError);
  });

  it("refuses a state without its version tag", async () => {
    await assert.rejects(passphraseCrypter("password", MANAGER_TEST_BROKEN_STATE), /unknown state version/);
  });

  it("decrypts the secret of a stack file the CLI wrote, and hands the program the CLI's strings", async () => {
    const { program } = await stackConfiguration({
      projectText: ROUNDTRIP_PROJECT,
      stackName: "test",
      stackText: ROUNDTRIP_STACK,
      passphrase: "TestConfigRoundtripComments",
    });
    assert.deepEqual(program.config, {
      "foo:a": "some-value",
      "foo:b": "some-value",
      "foo:c": '{"a":"A","b":"B","c":[1,2,3]}',
      "foo:d": "secret-value",
    });
    assert.deepEqual(program.secretKeys, ["foo:d"]);
  });

  it("keeps the stack file's ciphertext as stored when read without decrypting", async () => {
    const stack = loadProjectStack(loadProject(ROUNDTRIP_PROJECT), ROUNDTRIP_STACK);
    const stored = Object.fromEntries(await stack.config.decrypt(nopCrypter));
    assert.equal(stored["foo:d"], "v1:T1ftqhY0hqr+EJK6:+jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA==");
  });

  it("writes values in the CLI's format that open again, and fail authentication when altered", async () => {
    const { encryptionSalt, crypter } = await newPassphraseState("example passphrase");
    assert.match(encryptionSalt, /^v1:[A-Za-z0-9+/]{11}=:v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}$/);
    const ciphertext = await crypter.encryptValue("a kubeconfig");
    assert.match(ciphertext, /^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}$/);
    assert.notEqual(await crypter.encryptValue("a kubeconfig"), ciphertext, "a fresh nonce per value");
    const reopened = await passphraseCrypter("example passphrase", encryptionSalt);
    assert.equal(await reopened.decryptValue(ciphertext), "a kubeconfig");
    const [v, nonce, sealed] = ciphertext.split(":");
    const flipped = Buffer.from(sealed, "base64");
    flipped[0] ^= 1;
    await assert.rejects(
      reopened.decryptValue(`${v}:${nonce}:${flipped.toString("base64")}`),
      /message authentication failed/,
    );
  });
});
