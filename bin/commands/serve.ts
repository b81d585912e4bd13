import { runMain } from "../../lib/runtime.ts";
import { announceSetupLink } from "../../services/auth-gw/setup-link.ts";
import { startEmbedded } from "../embedded.ts";

/** `ajet-chat serve`: the whole chat in this process, until SIGTERM or Ctrl-C. */
export async function runServe(args: string[]) {
  if (args.length > 0) {
    process.stderr.write(
      `ajet-chat: serve takes no arguments (got "${args.join(" ")}"); configure it with AJET_* variables\n`,
    );
    process.exit(1);
  }
  runMain("ajet-chat", async (config) => {
    const embedded = await startEmbedded(config);
    const mode = [
      config.database.kind === "pglite" ? `embedded database in ${config.database.dir}` : "PostgreSQL",
      config.bus.kind === "memory" ? "in-process bus" : "NATS",
      config.storage.kind === "disk" ? `files in ${config.storage.dir}` : "S3",
    ].join(", ");
    console.log(`ajet-chat is running at ${config.publicUrl} (${mode})`);
    await announceSetupLink(config, embedded.database);
    return embedded;
  });
}
