import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IncomingWebhook } from "@slack/webhook";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";

// A CI job that posts to a Slack incoming webhook, pointed at `bun run start` by changing only the
// URL: the slash command makes the URL, Slack's own client posts through the public gateway.
const dir = mkdtempSync(join(tmpdir(), "ajet-hook-"));
const port = freePort();
const base = `http://127.0.0.1:${port}`;
let server: Child;

async function api<T>(token: string | null, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  server = spawnChild(["bun", "run", "start"], {
    AJET_DATA_DIR: join(dir, "data"),
    AJET_PORT: String(port),
    AJET_API_PORT: String(freePort()),
    AJET_WEB_PORT: String(freePort()),
    AJET_TUI_PORT: String(freePort()),
  });
  await waitUntilReady(server, `${base}/readyz`);
});

afterAll(async () => {
  await server?.stop("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

test("Slack's client posts through the gateway to a webhook made with /webhook create", async () => {
  const link = await waitFor(() => {
    const line = server
      .stdout()
      .split("\n")
      .find((l) => l.startsWith("setup link: "));
    if (!line) throw new Error("no setup link yet");
    return line.slice("setup link: ".length);
  });
  const { token } = await api<{ token: string }>(null, "POST", new URL(link).pathname, {
    username: "alice",
    display_name: "Alice",
  });
  await api(token, "POST", "/api/communities", { name: "Acme", slug: "acme" });
  const channels = await api<{ items: { id: string }[] }>(token, "GET", "/api/communities/acme/channels");
  const general = channels.items[0]?.id as string;
  const made = await api<{ effects: { url: string }[] }>(token, "POST", "/api/commands", {
    channel_id: general,
    text: "/webhook create #general CI",
  });
  const url = made.effects[0]?.url as string;
  expect(url).toStartWith(`${base}/hook/`);

  const result = await new IncomingWebhook(url).send({
    text: "Build *passed*",
    attachments: [{ color: "good", title: "main", fields: [{ title: "Took", value: "2m", short: true }] }],
  });
  expect(result).toEqual({ text: "ok" });
  const history = await api<{
    items: { body_md: string; author: { display_name: string; is_bot: boolean }; embeds: unknown }[];
  }>(token, "GET", `/api/channels/${general}/messages?limit=1`);
  expect(history.items[0]).toMatchObject({
    body_md: "Build **passed**",
    author: { display_name: "CI", is_bot: true },
    embeds: {
      body_is_fallback: false,
      attachments: [
        { color: "#2eb886", title: "main", fields: [{ title: "Took", value_md: "2m", short: true }] },
      ],
    },
  });
});
