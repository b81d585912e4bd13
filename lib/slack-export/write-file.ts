import { createWriteStream } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { invalid } from "../errors.ts";
import type { ExportScope } from "./scope.ts";
import { type ExportDeps, streamSlackExport } from "./write-export.ts";

/**
 * Writes the export to `path` (absolute): beside it first, renamed at the end, so a failed export
 * leaves no half zip. The file is 0600: it holds every private channel and DM of the community.
 */
export async function doWriteExportFile(deps: ExportDeps, scope: ExportScope, path: string) {
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, "", { mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw invalid(`cannot write ${path} (${code})`, "unwritable");
  }
  try {
    const { output, done } = streamSlackExport(deps, scope);
    await pipeline(output, createWriteStream(partial, { mode: 0o600 }));
    const counts = await done;
    await rename(partial, path);
    return counts;
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}
