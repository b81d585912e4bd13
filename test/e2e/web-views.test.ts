import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, openTab, screenshot, signedInContext, untilCount } from "../support/browser-chat.ts";
import type { ChatPerson, ChatServer } from "../support/chat-server.ts";
import { startTeam } from "../support/team.ts";

let server: ChatServer;
let browser: Browser;
let alice: ChatPerson;
let bob: ChatPerson;
let general: string;
let hookUrl: string;

// Each entry would set window.__xss (or open a dialog) if any of it ran.
const CORPUS = [
  "<script>window.__xss = 1</script>",
  '<img src=x onerror="window.__xss = 2">',
  "<svg onload=window.__xss=3><circle r=10></svg>",
  "<svg><script>window.__xss=4</script></svg>",
  "[click me](javascript:window.__xss=5)",
  "[click me too](JaVaScRiPt:window.__xss=6)",
  '<a href="javascript:window.__xss=7">raw link</a>',
  "<img src=x onerror=window.__xss=8//",
  '<iframe srcdoc="<script>parent.__xss=9</script>"></iframe>',
  '[x](http://example.com" onmouseover="window.__xss=10)',
  '<div style="background:url(javascript:window.__xss=11)">styled</div>',
  '<hx-partial hx-target="body" hx-swap="innerHTML">taken over</hx-partial>',
  '<button hx-get="/web/bell" hx-trigger="load" hx-target="body">htmx attrs</button>',
  "![pic](javascript:window.__xss=12)",
  "<details open ontoggle=window.__xss=13>",
  "`<script>window.__xss=14</script>` and ```html\n<script>window.__xss=15</script>\n```",
  "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=16>",
  "<<script>script>window.__xss=17<</script>/script>",
];

beforeAll(async () => {
  const team = await startTeam();
  ({ server, alice, bob } = team);
  general = team.id("general");
  browser = await launchChromium();
  const made = await server.api<{ effects: { url?: string }[] }>(alice, "POST", "/api/commands", {
    channel_id: general,
    text: "/webhook create #general ci",
  });
  hookUrl = made.effects.find((e) => e.url)?.url as string;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function postHook(payload: unknown) {
  const res = await fetch(server.base + new URL(hookUrl).pathname, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
  });
  expect(res.status).toBe(200);
}

async function assertNothingRan(page: Page) {
  expect(await page.evaluate("window.__xss")).toBeUndefined();
  // Every element inside a message body that could run or restyle anything, as the browser built it.
  const unsafe = await page.evaluate(`[...document.querySelectorAll(".msg .body *")].flatMap((el) => [
    ...(["SCRIPT", "IFRAME", "SVG", "STYLE", "IMG", "BUTTON", "DETAILS", "MATH", "OBJECT", "EMBED"].includes(el.tagName.toUpperCase()) && !el.closest(".files") ? [el.tagName] : []),
    ...[...el.attributes]
      .filter((a) => !(a.name === "style" && el.classList.contains("bar")))
      .filter((a) => /^on|^hx-|^style$/i.test(a.name) || /^\\s*javascript:/i.test(a.value))
      .map((a) => el.tagName + "[" + a.name + "=" + a.value + "]"),
  ])`);
  expect(unsafe).toEqual([]);
}

describe("the renderer in a real browser", () => {
  test("no entry of the XSS corpus runs, whether in the page or arriving live", async () => {
    const context = await signedInContext(browser, server.base, bob);
    const live = await openTab(context, `${server.base}/c/acme/channels/general`);
    for (const body_md of CORPUS) {
      await server.api(alice, "POST", `/api/channels/${general}/messages`, { body_md });
    }
    await postHook({
      text: "<script>window.__xss=20</script>",
      attachments: [
        {
          color: "#36a64f",
          title: "<img src=x onerror=window.__xss=21>",
          title_link: "javascript:window.__xss=22",
          text: "<https://example.com|safe> and <javascript:window.__xss=23|bad>",
          fields: [{ title: "<b>field</b>", value: "<svg onload=window.__xss=24>", short: true }],
          footer: "<script>window.__xss=25</script>",
        },
      ],
    });
    await untilCount(live.page.locator("#messages .msg"), CORPUS.length + 1);
    const reloaded = await openTab(context, `${server.base}/c/acme/channels/general`);
    for (const tab of [live, reloaded]) {
      await tab.page.mouse.move(200, 300);
      for (const link of await tab.page.locator(".msg .body a").all()) await link.hover();
      await assertNothingRan(tab.page);
      expect(tab.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
    }
    // What was typed is shown as text, not dropped.
    expect(await reloaded.page.locator("#messages").textContent()).toContain(
      "<script>window.__xss = 1</script>",
    );
    await context.close();
  });

  test("screenshots of the main views, light and dark, wide and narrow", async () => {
    await server.api(alice, "POST", `/api/channels/${general}/messages`, {
      body_md:
        "Release **1.2** is out — notes at https://example.com/notes\n\n```ts\nconst answer: number = 42; // typed\n```\n@bob please check the `deploy` job",
    });
    await postHook({
      text: "Build finished",
      attachments: [
        {
          color: "#2f9e44",
          title: "ajet-chat #128 passed",
          title_link: "https://ci.example/128",
          fields: [
            { title: "Branch", value: "main", short: true },
            { title: "Duration", value: "3m 12s", short: true },
          ],
          footer: "CI",
        },
      ],
    });
    const parent = await server.api<{ id: string }>(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "Who can take the on-call shift on Saturday?",
    });
    await server.api(bob, "POST", `/api/channels/${general}/messages`, {
      body_md: "I can",
      parent_id: parent.id,
    });
    await server.api(bob, "PUT", `/api/messages/${parent.id}/reactions/${encodeURIComponent("👍")}`);
    const sizes = { wide: { width: 1280, height: 800 }, narrow: { width: 360, height: 740 } } as const;
    // Each view, where it is opened, and a part of it that shows it drew what it is for.
    const views = [
      ["channel", "/c/acme/channels/general", "#messages .msg", "Release 1.2 is out"],
      ["thread", `/c/acme/channels/general?thread=${parent.id}`, "#thread .replies-list .msg", "I can"],
      ["search", "/search?q=release", ".results .result-link mark", "Release"],
      ["members", "/c/acme/members", "table.members tbody", "bob"],
      ["browse", "/c/acme/browse", "ul.browse", "general"],
      ["settings", "/settings", ".pane-head h1", "Settings"],
    ] as const;
    for (const scheme of ["light", "dark"] as const) {
      for (const [size, viewport] of Object.entries(sizes)) {
        const context = await signedInContext(browser, server.base, bob, { colorScheme: scheme, viewport });
        const tab = await openTab(context, `${server.base}/c/acme/channels/general`);
        for (const [name, path, part, text] of views) {
          const shot = `${name}-${scheme}-${size}`;
          await tab.page.goto(server.base + path);
          await tab.page.locator(part, { hasText: text }).first().waitFor();
          await screenshot(tab.page, shot);
          // Nothing overflows sideways, on a phone or wide, and the page follows the colour scheme.
          const look = await tab.page.evaluate<{ overflow: number; background: string }>(
            "({ overflow: document.documentElement.scrollWidth - window.innerWidth, background: getComputedStyle(document.body).backgroundColor })",
          );
          expect(look.overflow, shot).toBeLessThanOrEqual(0);
          const lightness = (look.background.match(/\d+/g) ?? [])
            .slice(0, 3)
            .reduce((a, c) => a + Number(c), 0);
          expect(
            scheme === "dark" ? lightness < 3 * 128 : lightness > 3 * 128,
            `${shot}: ${look.background}`,
          ).toBe(true);
        }
        expect(tab.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
        await context.close();
      }
    }
  });
});
