import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import sharp from "sharp";
import { type Listening, listen } from "../../lib/http/listen.ts";
import { acmeWithSecret, type Person } from "../support/api.ts";
import { launchChromium, openTab, type PersonTab, signedInContext, until } from "../support/browser-chat.ts";
import { startTestStack, type TestStack } from "../support/gateway.ts";
import { type OutsideWeb, ogPage, startOutsideWeb } from "../support/outside-web.ts";
import { freePort } from "../support/ports.ts";

// Faces and previews in a real browser: the four services in-process behind a real port, their
// outbound fetcher pointed at a test "internet" whose one public site serves a page with a card.
let web: OutsideWeb;
let stack: TestStack;
let server: Listening;
let browser: Browser;
let alice: Person;
let bob: Person;
let general: string;
let aliceTab: PersonTab;
let base: string;

// The page's own types are not this file's (no DOM lib here): what is read of an <img>.
interface Picture {
  naturalWidth: number;
  complete: boolean;
}

const png = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();

beforeAll(async () => {
  web = startOutsideWeb();
  const picture = await png(1200, 630, "#3366cc");
  web.routes["/launch"] = () =>
    ogPage({ "og:title": "Launch day", "og:site_name": "News", "og:image": "/launch.png" });
  web.routes["/launch.png"] = () => new Response(picture, { headers: { "content-type": "image/png" } });
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  stack = await startTestStack({ AJET_PUBLIC_URL: base, AJET_RATE_BURST: "0" }, web.outbound());
  server = listen(stack.gateway, { host: "127.0.0.1", port, maxRequestBodySize: 16 * 1024 * 1024 });
  alice = await stack.api.person("alice");
  bob = await stack.api.person("bob");
  ({ general } = await acmeWithSecret(stack.api, alice));
  await stack.api.join(bob, "acme");
  await stack.api.json(bob, "POST", `/api/channels/${general}/join`);
  browser = await launchChromium();
  aliceTab = await openTab(await signedInContext(browser, base, alice), `${base}/c/acme/channels/general`);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop(1000);
  await stack?.close();
  web?.stop();
});

describe("faces and previews in the browser", () => {
  test("a link bob posts gets its preview card in alice's open tab, live, with the server's copy of the picture", async () => {
    const page = aliceTab.page;
    await stack.api.json(bob, "POST", `/api/channels/${general}/messages`, {
      body_md: `launch notes: ${web.url("/launch")}`,
    });
    const msg = page.locator("#messages .msg", { hasText: "launch notes" });
    await msg.locator(".preview-card .title", { hasText: "Launch day" }).waitFor();
    expect(await msg.locator(".preview-card .site").textContent()).toBe("News");
    const src = (await msg.locator(".preview-card img").getAttribute("src")) ?? "";
    expect(src).toMatch(/^\/api\/images\/[0-9a-f-]{36}$/);
    await until(
      () => msg.locator(".preview-card img").evaluate((img) => (img as unknown as Picture).naturalWidth),
      (w) => w > 0,
      "the preview picture loads",
    );
    // The page asked only its own server for the picture: the remote site saw the fetcher alone.
    expect(web.publicVisits.filter((v) => v.path === "/launch.png")).toHaveLength(1);
    expect(aliceTab.problems).toEqual([]);
  });

  test("a picture arrives as a thumbnail whose box is reserved before it loads, and opens in a lightbox", async () => {
    const page = aliceTab.page;
    // The thumbnail is held back until the box has been measured.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/api/attachments/*/thumbnail", async (route) => {
      await held;
      await route.continue();
    });
    const form = new FormData();
    form.append("file", new Blob([await png(1280, 720, "#cc6633")], { type: "image/png" }), "wide.png");
    form.append("body_md", "a wide picture");
    const res = await stack.api.call(bob, "POST", `/api/channels/${general}/attachments`, form);
    expect(res.status).toBe(201);

    const img = page
      .locator("#messages .msg", { hasText: "a wide picture" })
      .locator("button.file.image img");
    await img.waitFor();
    expect([await img.getAttribute("width"), await img.getAttribute("height")]).toEqual(["480", "270"]);
    expect(await img.evaluate((i) => (i as unknown as Picture).complete)).toBe(false);
    const box = await img.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(100);
    expect((box?.width ?? 0) / (box?.height ?? 1)).toBeCloseTo(1280 / 720, 1);

    release();
    await until(
      () => img.evaluate((i) => (i as unknown as Picture).naturalWidth),
      (w) => w > 0,
      "the thumbnail loads",
    );
    const after = await img.boundingBox();
    expect(after?.height).toBeCloseTo(box?.height ?? 0, 0);
    await page.unroute("**/api/attachments/*/thumbnail");

    await img.click();
    const lightbox = page.locator("dialog.lightbox[open]");
    await lightbox.waitFor();
    expect(await lightbox.locator("p").textContent()).toBe("wide.png · 1280×720");
    await until(
      () => lightbox.locator("img").evaluate((i) => (i as unknown as Picture).naturalWidth),
      (w) => w === 1280,
      "the full picture loads in the lightbox",
    );
    await page.keyboard.press("Escape");
    await lightbox.waitFor({ state: "detached" });
    expect(page.url()).toBe(`${base}/c/acme/channels/general`);
  });

  test("alice uploads a picture in settings, and it shows beside her messages instead of her initial", async () => {
    const page = aliceTab.page;
    await stack.api.json(bob, "POST", `/api/channels/${general}/messages`, { body_md: "bob stays initials" });
    await stack.api.json(alice, "POST", `/api/channels/${general}/messages`, { body_md: "my face soon" });
    const mine = page.locator("#messages .msg", { hasText: "my face soon" });
    await mine.waitFor();
    expect(await mine.locator("span.avatar").textContent()).toBe("A");
    expect(await mine.locator("img.avatar").count()).toBe(0);

    await page.goto(`${base}/settings`);
    await page.setInputFiles("#avatar-file", {
      name: "me.png",
      mimeType: "image/png",
      buffer: await png(600, 400, "#22aa66"),
    });
    await page.click("#avatar-form button[type=submit]:not([formaction])");
    // The form's answer is the settings page with the new picture in it.
    await page.locator("#avatar-form img.avatar").waitFor();

    await page.goto(`${base}/c/acme/channels/general`);
    const face = page.locator("#messages .msg", { hasText: "my face soon" }).locator("img.avatar");
    await face.waitFor();
    expect((await face.getAttribute("src")) ?? "").toStartWith(`/api/avatars/${alice.id}/`);
    await until(
      () => face.evaluate((i) => (i as unknown as Picture).naturalWidth),
      (w) => w > 0,
      "the avatar loads",
    );
    // Bob's messages keep his initial.
    const his = page.locator("#messages .msg", { hasText: "bob stays initials" });
    expect(await his.locator("span.avatar").textContent()).toBe("B");
    expect(await his.locator("img.avatar").count()).toBe(0);
    expect(aliceTab.problems).toEqual([]);
  });

  test("a file that is no picture is refused beside the avatar form, and Remove brings alice's initial back", async () => {
    const page = aliceTab.page;
    await page.goto(`${base}/settings`);
    await page.locator("#avatar-form img.avatar").waitFor();
    await page.setInputFiles("#avatar-file", {
      name: "notes.png",
      mimeType: "image/png",
      buffer: Buffer.from("not a picture at all"),
    });
    await page.click("#avatar-form button[type=submit]:not([formaction])");
    await page.locator("#avatar-status", { hasText: "not a PNG, JPEG, GIF or WebP image" }).waitFor();
    // Refused: the picture she had stays.
    expect(await page.locator("#avatar-form img.avatar").count()).toBe(1);

    await page.click("#avatar-form button[formaction]");
    await page.locator("#avatar-form span.avatar", { hasText: "A" }).waitFor();
    expect(await page.locator("#avatar-form img.avatar").count()).toBe(0);
    expect(await page.locator("#avatar-status").textContent()).toBe("");
    const me = await stack.api.json<{ avatar_url: string | null }>(alice, "GET", "/api/me");
    expect(me.avatar_url).toBeNull();
  });
});
