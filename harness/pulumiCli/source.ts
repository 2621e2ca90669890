/**
 * Where the ported CLI rules come from: pulumi/pulumi at this commit (2026-08-21, "Add l2-large-map test
 * (#24361)"). Every file under harness/pulumiCli names the Go file and function it follows.
 */

/** The pulumi/pulumi commit the port follows. */
export const PULUMI_COMMIT = "1b5949891b3cefcb9974752b24a5ecef0acc86c8";

/** santhosh-tekuri/jsonschema release whose error texts the project-schema port reproduces (pulumi's sdk/go.mod). */
export const JSONSCHEMA_VERSION = "v5.0.0";
