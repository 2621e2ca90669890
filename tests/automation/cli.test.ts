/**
 * The command-line entry without a terminal or the Pulumi CLI: argument parsing, config file errors, the
 * confirmation rules, progress lines, exit codes, and the missing-CLI message with an empty PATH.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, OutputMap } from "@pulumi/pulumi/automation";
import { OUTPUT_KEYS } from "../../components/outputs";
import { createEmbeddingApi } from "../../adapters/automation/api";
import {
  EXIT,
  main,
  parseCliArgs,
  renderProgress,
  UsageError,
  type CliInvocation,
} from "../../adapters/automation/cli";
import {
  engineOutputs,
  fakeDependencies,
  ROOT,
  standInPackage,
  type FakeStackBehaviour,
  type FakeStackLog,
} from "./helpers";

const DEFAULTS: Omit<CliInvocation, "command"> = {
  stack: undefined,
  configFile: undefined,
  region: undefined,
  backend: undefined,
  secretsProvider: undefined,
  yes: false,
  json: false,
};

describe("automation: command line", () => {
  it("routes `coverage` to the live coverage command and lists it in the usage", async () => {
    const out: string[] = [];
    const code = await main(["coverage", "--help"], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      env: {},
    });
    assert.equal(code, EXIT.ok);
    assert.match(out.join("\n"), /^Usage: pod-packet-forwarding coverage --stack NAME/);
    const help: string[] = [];
    await main(["--help"], { stdout: (t) => help.push(t), stderr: () => undefined, env: {} });
    assert.match(help.join("\n"), /\n {2}coverage {2}who reports/);
  });

  describe("argument parsing", () => {
    it("parses every option, long and short", () => {
      assert.deepEqual(
        parseCliArgs([
          "up",
          "--stack",
          "prod",
          "--config-file",
          "prod.json",
          "--yes",
          "--backend",
          "s3://b/p",
          "--region",
          "eu-west-1",
          "--secrets-provider",
          "awskms://alias/ppf",
          "--json",
        ]),
        {
          command: "up",
          stack: "prod",
          configFile: "prod.json",
          yes: true,
          backend: "s3://b/p",
          region: "eu-west-1",
          secretsProvider: "awskms://alias/ppf",
          json: true,
        },
      );
      assert.deepEqual(parseCliArgs(["preview", "-s", "dev", "-c", "dev.yaml", "-r", "us-east-1"]), {
        ...DEFAULTS,
        command: "preview",
        stack: "dev",
        configFile: "dev.yaml",
        region: "us-east-1",
      });
      assert.deepEqual(parseCliArgs(["--stack=prod", "destroy", "-y"]), {
        ...DEFAULTS,
        command: "destroy",
        stack: "prod",
        yes: true,
      });
      assert.deepEqual(parseCliArgs(["outputs", "-s", "prod"]), {
        ...DEFAULTS,
        command: "outputs",
        stack: "prod",
      });
      assert.equal(parseCliArgs(["--help"]).command, "help");
      assert.equal(parseCliArgs(["up", "-h"]).command, "help");
      assert.equal(parseCliArgs(["help"]).command, "help");
    });

    const bad: [string[], string][] = [
      [[], "a command is required: preview, up, destroy, outputs"],
      [["deploy", "-s", "x"], 'unknown command "deploy": use one of preview, up, destroy, outputs'],
      [["up", "-c", "x.json"], "--stack is required"],
      [["up", "-s", "prod"], "--config-file is required for up"],
      [["preview", "-s", "prod"], "--config-file is required for preview"],
      [["outputs", "-s", "prod", "-c", "x.json"], "--config-file is not used by outputs"],
      [["up", "prod", "-s", "prod", "-c", "x"], "unexpected argument(s): prod"],
      [["up", "--stak", "prod"], "Unknown option '--stak'"],
      [["up", "--stack"], "Option '-s, --stack <value>' argument missing"],
      [["up", "-s", "p", "-c", "x", "--yes=no"], "Option '-y, --yes' does not take an argument"],
    ];
    for (const [argv, message] of bad) {
      it(`refuses ${JSON.stringify(argv.join(" "))}`, () => {
        assert.throws(
          () => parseCliArgs(argv),
          (err: unknown) => {
            assert.ok(err instanceof UsageError, String(err));
            assert.equal(err.message, message);
            return true;
          },
        );
      });
    }
  });

  describe("runs", () => {
    let tmp: string;
    let configFile: string;
    let out: string[];
    let err: string[];
    beforeEach(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ppf-clirun-"));
      const pkg = standInPackage(tmp);
      configFile = path.join(tmp, "prod.json");
      fs.writeFileSync(
        configFile,
        JSON.stringify({ clusterName: "demo", sensorIps: ["10.0.200.10"], rpcapdPackage: pkg }),
      );
      out = [];
      err = [];
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const ENV = { PULUMI_CONFIG_PASSPHRASE: "pw", AWS_REGION: "us-east-1" };
    function run(
      argv: string[],
      behaviour: FakeStackBehaviour = {},
      answers?: string[],
      env: NodeJS.ProcessEnv = ENV,
    ): Promise<{ code: number; log: FakeStackLog; questions: string[] }> {
      const { deps, log } = fakeDependencies(behaviour);
      const questions: string[] = [];
      const ask = answers
        ? async (q: string) => {
            questions.push(q);
            return answers.shift() ?? "";
          }
        : undefined;
      return main(argv, {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        ask,
        env: { ...env, PPF_HOME: tmp },
        api: createEmbeddingApi(deps),
      }).then((code) => ({ code, log, questions }));
    }

    it("prints the help with exit 0, and exit 2 with a pointer to it on bad usage", async () => {
      assert.equal((await run(["--help"])).code, EXIT.ok);
      assert.match(out[0], /^Usage: pod-packet-forwarding <command> --stack NAME \[options\]/);
      assert.match(out[0], /\n {2}3 {2}the Pulumi CLI is missing or too old \(nothing changed\)\n/);
      assert.match(out[0], new RegExp(`default: file://${tmp}/state`));
      assert.equal((await run(["up"])).code, EXIT.usage);
      assert.deepEqual(err, ["error: --stack is required\nRun pod-packet-forwarding --help for usage."]);
    });

    it("exits 2 on config file errors and schema errors, naming the file or the keys, before opening a stack", async () => {
      const missing = await run(["preview", "-s", "dev", "-c", path.join(tmp, "nope.yaml")]);
      assert.equal(missing.code, EXIT.usage);
      assert.equal(
        err.pop(),
        `error: config file ${path.join(tmp, "nope.yaml")}: does not exist (resolved to ${path.join(tmp, "nope.yaml")})`,
      );

      fs.writeFileSync(path.join(tmp, "bad.yaml"), "sensorIps: [10.0.200.10\n");
      assert.equal((await run(["preview", "-s", "dev", "-c", path.join(tmp, "bad.yaml")])).code, EXIT.usage);
      assert.match(
        err.pop() as string,
        new RegExp(`^error: config file ${path.join(tmp, "bad.yaml")}: is not valid YAML: `),
      );

      fs.writeFileSync(
        path.join(tmp, "invalid.yaml"),
        "clusterName: demo\nsensorIps: [10.0.200.10, 10.0.200.10]\nsensorPort: 0\nagentImage: rpcapd:latest\n",
      );
      const invalid = await run(["up", "-s", "dev", "-c", path.join(tmp, "invalid.yaml"), "--yes"]);
      assert.equal(invalid.code, EXIT.usage);
      assert.equal(
        err.pop(),
        "error: Invalid configuration:\n" +
          '  - sensorIps: ["10.0.200.10","10.0.200.10"] must not list a sensor twice\n' +
          "  - sensorPort: 0 must be between 1 and 65535\n" +
          '  - agentImage: "rpcapd:latest" must be an image reference pinned by digest (repo@sha256:...)\n' +
          "Nothing was changed.",
      );
      assert.equal(invalid.log.opened.length, 0);
      assert.equal(invalid.log.cliLookups, 0);
    });

    it("exits 2 without a passphrase for the local backend", async () => {
      const r = await run(["preview", "-s", "dev", "-c", configFile], {}, undefined, {
        AWS_REGION: "us-east-1",
      });
      assert.equal(r.code, EXIT.usage);
      assert.match(
        err.pop() as string,
        new RegExp(`^error: The state backend file://${tmp}/state encrypts secrets`),
      );
      assert.equal(r.log.cliLookups, 0);
    });

    it("refuses up and destroy without --yes when there is no terminal, before doing anything", async () => {
      for (const argv of [
        ["up", "-s", "prod", "-c", configFile],
        ["destroy", "-s", "prod"],
      ]) {
        const r = await run(argv);
        assert.equal(r.code, EXIT.usage);
        assert.equal(
          err.pop(),
          `error: refusing to ${argv[0]} stack prod without confirmation: there is no terminal to ask on; pass --yes`,
        );
        assert.deepEqual(r.log.calls, []);
      }
    });

    it("up asks after a preview: no → exit 4 and nothing applied; yes → applied; --yes skips both", async () => {
      const declined = await run(["up", "-s", "prod", "-c", configFile], { changes: { create: 3 } }, ["n"]);
      assert.equal(declined.code, EXIT.declined);
      assert.deepEqual(declined.questions, ["Apply these changes to stack prod? [y/N] "]);
      assert.deepEqual(declined.log.calls, ["getAllConfig", "setAllConfig", "preview"]);
      assert.equal(err.pop(), "Not confirmed: nothing was changed.");
      assert.equal(err.pop(), "Plan for stack prod: 3 to create");

      const outputs = engineOutputs({
        agentImage: "1.dkr.ecr.us-east-1.amazonaws.com/r@sha256:ab",
        sensorSteps: ["Add an RPCAP rule"],
      });
      const accepted = await run(
        ["up", "-s", "prod", "-c", configFile],
        { changes: { create: 3 }, outputs },
        ["yes"],
      );
      assert.equal(accepted.code, EXIT.ok);
      assert.deepEqual(accepted.log.calls, [
        "getAllConfig",
        "setAllConfig",
        "preview",
        "getAllConfig",
        "setAllConfig",
        "up",
      ]);
      assert.equal(
        out.pop(),
        [
          "Stack prod updated: 3 created",
          "Agent image:   1.dkr.ecr.us-east-1.amazonaws.com/r@sha256:ab",
          "DaemonSet:     extrahop/extrahop-rpcapd",
          "PODNET:        10.0.0.0/16",
          "SVCNET:        172.20.0.0/16",
          "Mirrored ENIs: 0",
          "On the sensor:",
          "  1. Add an RPCAP rule",
        ].join("\n"),
      );

      const yes = await run(["up", "-s", "prod", "-c", configFile, "--yes", "--json"], {
        changes: { create: 3 },
        outputs,
      });
      assert.equal(yes.code, EXIT.ok);
      assert.deepEqual(yes.log.calls, ["getAllConfig", "setAllConfig", "up"]);
      assert.equal(JSON.parse(out.pop() as string).outputs.daemonSetName, "extrahop-rpcapd");
    });

    it("resolves a relative rpcapdPackage against the config file's folder, not the working directory", async () => {
      const file = path.join(tmp, "relative.yaml");
      fs.writeFileSync(
        file,
        "clusterName: demo\nsensorIps: [10.0.200.10]\nrpcapdPackage: rpcapd_9.6.0_amd64.deb\n",
      );
      assert.notEqual(process.cwd(), tmp);
      const r = await run(["preview", "-s", "dev", "-c", file], { changes: { create: 2 } });
      assert.equal(r.code, EXIT.ok, err.join("\n"));
      assert.equal(out.pop(), "Preview of stack dev: 2 to create");
      fs.writeFileSync(
        file,
        "clusterName: demo\nsensorIps: [10.0.200.10]\nrpcapdPackage: vendor/rpcapd.deb\n",
      );
      assert.equal((await run(["preview", "-s", "dev", "-c", file])).code, EXIT.usage);
      assert.match(
        err.pop() as string,
        new RegExp(
          `rpcapdPackage: "vendor/rpcapd.deb" does not exist \\(resolved to ${path.join(tmp, "vendor", "rpcapd.deb")}\\)`,
        ),
      );
    });

    it("destroy wants the stack name typed back", async () => {
      const wrong = await run(["destroy", "-s", "prod"], {}, ["yes"]);
      assert.equal(wrong.code, EXIT.declined);
      assert.deepEqual(wrong.log.calls, []);
      const right = await run(["destroy", "-s", "prod"], { changes: { delete: 21 } }, ["prod"]);
      assert.equal(right.code, EXIT.ok);
      assert.deepEqual(right.log.calls, ["destroy"]);
      assert.equal(out.pop(), "Stack prod destroyed: 21 deleted");
    });

    it("exits 1 when the operation fails, with the engine's errors, and prints progress on stderr", async () => {
      const urn = "urn:pulumi:prod::pod-packet-forwarding::aws:ecr/repository:Repository::ppf-agent-repo";
      const events = [
        {
          sequence: 1,
          timestamp: 0,
          resourcePreEvent: {
            metadata: { op: "create", urn, type: "aws:ecr/repository:Repository", provider: "" },
          },
        },
        {
          sequence: 2,
          timestamp: 0,
          resOpFailedEvent: {
            metadata: { op: "create", urn, type: "aws:ecr/repository:Repository", provider: "" },
            status: 1,
            steps: 1,
          },
        },
        {
          sequence: 3,
          timestamp: 0,
          diagnosticEvent: {
            urn,
            message: "AccessDeniedException: not authorized to perform ecr:CreateRepository\n",
            color: "raw",
            severity: "error",
          },
        },
      ] as unknown as EngineEvent[];
      const { CommandError } = await import("@pulumi/pulumi/automation");
      const fail = new (CommandError as unknown as new (r: { toString(): string }) => Error)({
        toString: () => "code: 255",
      });
      const r = await run(["up", "-s", "prod", "-c", configFile, "-y"], { events, fail });
      assert.equal(r.code, EXIT.failed);
      assert.deepEqual(err, [
        "Updating stack prod...",
        "  creating      aws:ecr/repository:Repository  ppf-agent-repo",
        "  FAILED to create aws:ecr/repository:Repository  ppf-agent-repo",
        "error: ppf-agent-repo: AccessDeniedException: not authorized to perform ecr:CreateRepository",
        "error: up of stack prod failed: ppf-agent-repo: AccessDeniedException: not authorized to perform ecr:CreateRepository",
      ]);
    });

    it("outputs prints JSON; a stack without outputs exits 1", async () => {
      const outputs: OutputMap = Object.fromEntries(
        OUTPUT_KEYS.map((k) => [k, { value: [k], secret: false }]),
      );
      const ok = await run(["outputs", "-s", "prod"], { outputs });
      assert.equal(ok.code, EXIT.ok);
      assert.deepEqual(
        JSON.parse(out.pop() as string),
        Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])),
      );
      assert.deepEqual(err, []);
      const none = await run(["outputs", "-s", "prod"], { outputs: {} });
      assert.equal(none.code, EXIT.failed);
      assert.equal(
        err.pop(),
        "error: stack prod has no outputs: it was never deployed, or it was destroyed (run up first)",
      );
    });

    it("exits 3 with what to install when the Pulumi CLI is not on PATH (the real API, an empty PATH)", async () => {
      const code = await main(["preview", "-s", "dev", "-c", configFile], {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        env: { ...ENV, PATH: "", PPF_HOME: tmp },
      });
      assert.equal(code, EXIT.missingCli);
      assert.deepEqual(err, [
        "Previewing stack dev...",
        "error: The Pulumi CLI (`pulumi`) was not found on PATH.\n" +
          "pod-packet-forwarding drives the Pulumi CLI (version 3.181.0 or newer) through the Automation API.\n" +
          "Install it from https://www.pulumi.com/docs/install/ (for example: curl -fsSL https://get.pulumi.com | sh), make sure `pulumi version` works in this shell, then run again.",
      ]);
      assert.deepEqual(
        fs.readdirSync(tmp).sort(),
        ["prod.json", "rpcapd_9.6.0_amd64.deb"],
        "no state or workspace folder was created",
      );
    });

    it("the bin shim runs the CLI and returns its exit code (process-level, empty PATH but node's)", function () {
      this.timeout(60000);
      const bin = path.join(ROOT, "adapters", "automation", "bin", "pod-packet-forwarding.js");
      const env = {
        PATH: path.dirname(process.execPath),
        HOME: tmp,
        PPF_HOME: tmp,
        PULUMI_CONFIG_PASSPHRASE: "pw",
        AWS_REGION: "us-east-1",
      };
      const r = spawnSync(process.execPath, [bin, "preview", "--stack", "dev", "--config-file", configFile], {
        env,
        encoding: "utf8",
      });
      assert.equal(r.status, EXIT.missingCli, r.stderr);
      assert.match(
        r.stderr,
        /^Previewing stack dev\.\.\.\nerror: The Pulumi CLI \(`pulumi`\) was not found on PATH\.\n/,
      );
      assert.equal(r.stdout, "");
      const help = spawnSync(process.execPath, [bin, "--help"], { env, encoding: "utf8" });
      assert.equal(help.status, EXIT.ok);
      assert.match(help.stdout, /^Usage: pod-packet-forwarding/);
      const usage = spawnSync(process.execPath, [bin, "up", "-s", "prod", "-c", configFile], {
        env,
        encoding: "utf8",
      });
      assert.equal(usage.status, EXIT.usage, "no terminal, no --yes");
    });
  });

  it("renders progress lines", () => {
    const base = {
      kind: "resource" as const,
      type: "kubernetes:apps/v1:DaemonSet",
      name: "ppf-daemonset",
      urn: "u",
      diffs: [],
    };
    assert.equal(
      renderProgress({ ...base, phase: "planned", operation: "update", diffs: ["spec"] }),
      "  update        kubernetes:apps/v1:DaemonSet  ppf-daemonset [spec]",
    );
    assert.equal(
      renderProgress({ ...base, phase: "finished", operation: "replace" }),
      "  replaced      kubernetes:apps/v1:DaemonSet  ppf-daemonset",
    );
    assert.equal(renderProgress({ ...base, phase: "started", operation: "same" }), undefined);
    assert.equal(
      renderProgress({ kind: "diagnostic", severity: "warning", message: "a\nb", name: "x" }),
      "warning: x: a\n    b",
    );
    assert.equal(renderProgress({ kind: "diagnostic", severity: "info", message: "hello" }), "hello");
  });
});
