// Imported as files so `bun build --compile` carries them; served from our own origin, no CDN.

import ssePath from "htmx.org/dist/ext/hx-sse.min.js" with { type: "file" };
import upsertPath from "htmx.org/dist/ext/hx-upsert.min.js" with { type: "file" };
import htmxPath from "htmx.org/dist/htmx.min.js" with { type: "file" };
import { notFound } from "../../lib/errors.ts";
import cssPath from "./static/app.css" with { type: "file" };
// @ts-expect-error a browser script, taken as a file to serve, not a module to type-check
import appPath from "./static/app.js" with { type: "file" };

const JS = "text/javascript; charset=utf-8";
const FILES: Record<string, { path: string; type: string }> = {
  "htmx.js": { path: htmxPath, type: JS },
  "hx-sse.js": { path: ssePath, type: JS },
  "hx-upsert.js": { path: upsertPath, type: JS },
  "app.js": { path: appPath as string, type: JS },
  "app.css": { path: cssPath, type: "text/css; charset=utf-8" },
};

/** The client's few static files, read once and kept in memory. */
const cache = new Map<string, Uint8Array>();

export async function serveStatic(name: string): Promise<Response> {
  const file = FILES[name];
  if (!file) throw notFound("file");
  let body = cache.get(name);
  if (!body) {
    body = await Bun.file(file.path).bytes();
    // While developing, edits to our own files show on reload.
    if (!name.startsWith("app.")) cache.set(name, body);
  }
  return new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { "Content-Type": file.type, "Cache-Control": "no-cache" },
  });
}
