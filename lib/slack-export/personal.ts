import { Readable } from "node:stream";
import { rateLimited } from "../errors.ts";
import { log } from "../log.ts";
import type { UserRow } from "./scope.ts";
import { type ExportDeps, streamSlackExport } from "./write-export.ts";

// People whose export this process is writing now: an export reads all of a person's history, so
// asking again before it is done (a double click, a script in a loop) waits its turn instead.
const running = new Set<string>();

/**
 * A person's own export as a stream (see ExportScope), one at a time per person in this process.
 * A failure after the first bytes ends the stream with an error, so the download fails rather than
 * passing a cut zip for whole.
 */
export function doStartPersonalExport(deps: ExportDeps, user: UserRow): ReadableStream<Uint8Array> {
  if (running.has(user.id))
    throw rateLimited("your export is still being made: try again when it is done", 10);
  running.add(user.id);
  const { output, done } = streamSlackExport(deps, { kind: "person", user });
  done
    .catch((err) => log.warn("a personal export stopped", { user_id: user.id, error: String(err) }))
    .finally(() => running.delete(user.id));
  return Readable.toWeb(output) as ReadableStream<Uint8Array>;
}
