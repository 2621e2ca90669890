// Runs a consumer's compiled Pulumi program under mocks, inside the consumer project, with the consumer's own
// @pulumi/pulumi (the one the installed package uses), and writes what it registered as JSON to a file (stdout is
// the program's: Pulumi's log goes there under mocks).
//
//   node consumerRunner.js <program.js> <answers.json> <report.json>
//
// answers.json: { project, stack, config: { "ns:key": "value" }, invokes: { "<token> <json args>": result },
//                 resources: { "<type>": outputs } }. Plain JavaScript on purpose: the consumer has no ts-node.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require("node:fs");
const path = require("node:path");
const consumer = process.cwd();
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [consumer] }));
const settings = require(require.resolve("@pulumi/pulumi/runtime/settings", { paths: [consumer] }));

const [program, answersFile, reportFile] = process.argv.slice(2);
const answers = JSON.parse(fs.readFileSync(answersFile, "utf8"));
const report = { resources: [], invokes: [], outputs: {} };

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const state = { ...args.inputs, ...(answers.resources[args.type] || {}) };
      report.resources.push({
        type: args.type,
        name: args.name,
        provider: args.provider || "",
        inputs: args.inputs,
      });
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      const key = `${args.token} ${JSON.stringify(args.inputs)}`;
      report.invokes.push({ token: args.token, provider: args.provider || "" });
      if (key in answers.invokes) {
        return answers.invokes[key];
      }
      if (args.token in answers.invokes) {
        return answers.invokes[args.token];
      }
      throw new Error(`no answer for ${key}`);
    },
  },
  answers.project,
  answers.stack,
  false,
);
pulumi.runtime.setAllConfig(answers.config, []);

const exported = require(path.resolve(program));
Promise.all(
  Object.entries(exported).map(
    ([key, value]) =>
      new Promise((resolve) =>
        pulumi.output(value).apply((v) => {
          report.outputs[key] = v;
          resolve();
        }),
      ),
  ),
)
  .then(() => settings.waitForRPCs())
  .then(() => fs.writeFileSync(reportFile, JSON.stringify(report)))
  .catch((err) => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
  });
