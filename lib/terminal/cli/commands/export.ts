import { rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";
import { formatBytes } from "../format.ts";
import { filenameOf } from "./files.ts";

/** `export --mine [file]`: your own data as a Slack-format zip (what `GET /api/me/export` holds). */
export const exportMine: Command = {
  usage: "export --mine [file]",
  flags: { mine: { type: "boolean" } },
  async run(ctx) {
    // Only your own data can be exported from here; a community's export is `ajet-chat admin export`.
    if (!ctx.has("mine")) throw new CliError(EXIT.usage, "usage: ajet-chat export --mine [file]");
    if (ctx.args.positionals.length > 1)
      throw new CliError(EXIT.usage, "usage: ajet-chat export --mine [file]");
    const named = ctx.args.positionals[0];
    // Checked before asking, so a wrong path fails at once rather than after the whole download.
    const probe = resolve(named ?? `ajet-chat-export-${process.pid}.partial`);
    const partial = named ? `${probe}.partial` : probe;
    try {
      await writeFile(partial, "", { mode: 0o600 });
    } catch (err) {
      throw new CliError(
        EXIT.usage,
        `cannot write ${named ?? "here"} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    try {
      const res = await ctx.client.send("GET", "/api/me/export");
      const path = named
        ? probe
        : resolve(filenameOf(res.headers.get("content-disposition"), "ajet-chat-export.zip"));
      const bytes = await Bun.write(partial, res);
      await rename(partial, path);
      const s = ctx.out.style;
      ctx.out.record(
        { path, bytes },
        [path, bytes],
        () => `${s.green("✓")} your data (${formatBytes(bytes)}) is in ${path}`,
      );
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  },
};
