/**
 * `pulumi up` entry point: the stack's config becomes `PodPacketForwarding`'s arguments (adapters/stack).
 */
import { runStack } from "./adapters/stack/program";

export = async () => runStack();
