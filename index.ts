/**
 * `pulumi up` entry point: reads the stack config and runs the shared program factory.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./components/config";
import { podPacketForwardingProgram } from "./program";
import { readStackConfig } from "./stackConfig";

export = async () => {
  try {
    return await podPacketForwardingProgram(readStackConfig());
  } catch (err) {
    // A RunError prints the message alone: the problems list, not a stack trace.
    throw err instanceof ConfigError ? new pulumi.RunError(err.message) : err;
  }
};
