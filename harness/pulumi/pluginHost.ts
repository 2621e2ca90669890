/**
 * The plugin's provider host as the plugin process runs it (`ComponentProvider` over the components the plugin
 * module exports), one per test process: it analyses the plugin's TypeScript sources once (tens of seconds) and
 * keeps the schema, as a running plugin does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";

/** The plugin package's folder. */
export const PLUGIN_DIR = path.resolve(__dirname, "..", "..", "adapters", "plugin");

/** What the plugin module exports, and the host over its components. */
export interface PluginHost {
  /** The plugin module (`adapters/plugin`). */
  plugin: typeof import("../../adapters/plugin");
  /** The component classes the SDK finds in it. */
  classes: unknown[];
  /** The provider host. */
  provider: ComponentProvider;
}

let host: Promise<PluginHost> | undefined;

/** The process's plugin host, created on first use. */
export function pluginHost(): Promise<PluginHost> {
  host ??= (async () => {
    const plugin = await import("../../adapters/plugin");
    const classes = getPulumiComponents(plugin);
    const provider = new ComponentProvider({
      components: classes as never,
      name: (JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, "package.json"), "utf8")) as { name: string })
        .name,
      dirname: PLUGIN_DIR,
    });
    return { plugin, classes, provider };
  })();
  return host;
}
