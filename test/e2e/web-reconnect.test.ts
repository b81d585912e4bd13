import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium, openTab, type PersonTab, signedInContext, until } from "../support/browser-chat.ts";
import { type ChatPerson, jsonOver, signUp } from "../support/chat-server.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { SHARED_NATS_URL, uniqueNatsNamespace } from "../support/nats-stream.ts";
import { servicePorts, waitFor } from "../support/ports.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";

// The web SM as its own process (against PostgreSQL and NATS JetStream), so it can die and come
// back while the browser and everything else stay up.
const nats = uniqueNatsNamespace();
const ports = servicePorts();
const base = `http://127.0.0.1:${ports.gateway}`;
const dataDir = mkdtempSync(join(tmpdir(), "ajet-web-reconnect-"));
let database: TestDatabase;
let env: Record<string, string>;
const children: Record<string, Child> = {};
let browser: Browser;
let alice: ChatPerson;
let bob: ChatPerson;
let general: string;
let bobTab: PersonTab;

const startService = async (name: string, port: number) => {
  children[name] = spawnChild(["bun", `services/${name}/main.ts`], {
    ...env,
    BUN_CONFIG_MAX_HTTP_REQUESTS: "65336",
  });
  await waitUntilReady(children[name] as Child, `http://127.0.0.1:${port}/readyz`);
};

const api = jsonOver(base);
const person = (path: string, username: string) => signUp(api, path, username);

beforeAll(async () => {
  database = await createTestDatabase();
  env = {
    ...ports.env,
    AJET_DATA_DIR: dataDir,
    AJET_RATE_AUTH_BURST: "0",
    DATABASE_URL: database.url,
    NATS_URL: SHARED_NATS_URL,
    AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    NATS_STREAM: nats.stream,
    NATS_SUBJECT_PREFIX: nats.subjectPrefix,
  };
  await startService("api", ports.api);
  await Promise.all([startService("web-sm", ports.web), startService("tui-sm", ports.tui)]);
  await startService("auth-gw", ports.gateway);
  const link = await waitFor(() => {
    const line = (children["auth-gw"] as Child)
      .stdout()
      .split("\n")
      .find((l) => l.startsWith("setup link: "));
    if (!line) throw new Error("no setup link printed");
    return line.slice("setup link: ".length);
  });
  alice = await person(new URL(link).pathname, "alice");
  await api(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
  const { url } = await api<{ url: string }>(alice, "POST", "/api/communities/acme/invites", { max_uses: 1 });
  bob = await person(new URL(url).pathname, "bob");
  const channels = await api<{ items: { id: string; name: string }[] }>(
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  general = (channels.items.find((c) => c.name === "general") as { id: string }).id;
  await api(bob, "POST", `/api/channels/${general}/join`);
  browser = await launchChromium();
  bobTab = await openTab(await signedInContext(browser, base, bob), `${base}/c/acme/channels/general`);
  await bobTab.page.evaluate("window.__mark = 7");
});

afterAll(async () => {
  await browser?.close();
  for (const child of Object.values(children)) await child.stop("SIGKILL");
  await Promise.all([database?.drop(), nats.remove()]);
  rmSync(dataDir, { recursive: true, force: true });
});

const shown = () => bobTab.page.locator("#messages .msg .body").allInnerTexts();
const post = (text: string) => api(alice, "POST", `/api/channels/${general}/messages`, { body_md: text });

describe("the web SM dies and comes back mid-session", () => {
  test("the page shows every message it missed, in order, without a reload, then carries on live", async () => {
    const requests: { path: string; lastEventId?: string }[] = [];
    bobTab.page.on("request", (r) => {
      const url = new URL(r.url());
      requests.push({ path: url.pathname, lastEventId: r.headers()["last-event-id"] });
    });
    await post("before the crash");
    await until(shown, (t) => t.includes("before the crash"), "first message");

    expect(await (children["web-sm"] as Child).stop("SIGKILL")).not.toBe(0);
    await bobTab.page.waitForSelector("body[data-live=down]", { timeout: 10_000 });
    for (const n of [1, 2, 3]) await post(`missed ${n}`);
    await startService("web-sm", ports.web);

    const texts = await until(shown, (t) => t.includes("missed 3"), "missed messages", 20_000);
    expect(texts.map((t) => t.trim())).toEqual(["before the crash", "missed 1", "missed 2", "missed 3"]);
    expect(await bobTab.page.evaluate("window.__mark")).toBe(7);
    await bobTab.page.waitForSelector("body[data-live=up]");
    // They came by replay from where the stream left off, not by refetching the page.
    const resumed = requests.filter((r) => r.path === "/events");
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((r) => r.lastEventId && /^\d+$/.test(r.lastEventId))).toBe(true);
    expect(requests.filter((r) => r.path.startsWith("/c/"))).toEqual([]);

    await post("after the restart");
    const after = await until(shown, (t) => t.includes("after the restart"), "live after restart");
    expect(after.length).toBe(5);
  });
});
