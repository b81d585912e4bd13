import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { Config } from "../../lib/config.ts";
import type { Upstream } from "../../lib/http/proxy.ts";
import { route } from "../../lib/http/router.ts";

export interface WebDeps {
  config: Config;
  bus: EventBus;
  api: Upstream;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/** Every route of the web session manager. */
export function webRoutes(deps: WebDeps) {
  return [
    route("GET", "/", () => {
      const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ajet-chat</title></head>
<body><main><h1>ajet-chat</h1><p>The server is running at ${escapeHtml(deps.config.publicUrl)}.</p></main></body></html>`;
      return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
    }),
  ];
}
