/**
 * Process entry of `npm run plan` (see `cli.ts`).
 */
import { planCli } from "./cli";

void planCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
}).then((code) => {
  process.exitCode = code;
});
