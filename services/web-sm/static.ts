// Imported as files so `bun build --compile` carries them; served from our own origin, no CDN.

import ssePath from "htmx.org/dist/ext/hx-sse.min.js" with { type: "file" };
import upsertPath from "htmx.org/dist/ext/hx-upsert.min.js" with { type: "file" };
import htmxPath from "htmx.org/dist/htmx.min.js" with { type: "file" };
import { notFound } from "../../lib/errors.ts";
import { clientBundle } from "./client-bundle.ts" with { type: "macro" };
import cssPath from "./static/app.css" with { type: "file" };

const JS = "text/javascript; charset=utf-8";
const FILES: Record<string, { path: string; type: string }> = {
  "htmx.js": { path: htmxPath, type: JS },
  "hx-sse.js": { path: ssePath, type: JS },
  "hx-upsert.js": { path: upsertPath, type: JS },
  "app.css": { path: cssPath, type: "text/css; charset=utf-8" },
};

/** The client's few static files, kept in memory; our own script is bundled into this module. */
const cache = new Map<string, Uint8Array>([["app.js", new TextEncoder().encode(clientBundle())]]);

export async function serveStatic(name: string): Promise<Response> {
  const file = name === "app.js" ? { path: "", type: JS } : FILES[name];
  if (!file) throw notFound("file");
  let body = cache.get(name);
  if (!body) {
    body = await Bun.file(file.path).bytes();
    // While developing, edits to the stylesheet show on reload (the script's at the next start).
    if (name !== "app.css") cache.set(name, body);
  }
  return new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { "Content-Type": file.type, "Cache-Control": "no-cache" },
  });
}
