import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSession } from "../../lib/auth/sessions.ts";
import { acmeWithSecret, type Person } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { startTestStack, type TestStack } from "../support/gateway.ts";
import { elementsOf } from "../support/html.ts";

// The web's long lists through the gateway, web-sm and API in-process: each shows a page and links
// to the next, and following the links shows every item once.
describe("long lists in the web pages", () => {
  let s: TestStack;
  let alice: Person;
  let general: string;
  const dmIds: string[] = [];

  const page = async (who: Person, path: string) => {
    const res = await s.request(path, { headers: { authorization: `Bearer ${who.token}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const hrefs = (html: string, cls: string) =>
    elementsOf(html)
      .filter((e) => e.tag === "a" && (e.attrs.class ?? "").split(" ").includes(cls))
      .map((e) => e.attrs.href ?? "");

  beforeAll(async () => {
    s = await startTestStack();
    alice = await s.api.person("alice");
    ({ general } = await acmeWithSecret(s.api, alice));
    // 55 people alice shares the community with, a DM with each, oldest activity first.
    for (let i = 0; i < 55; i++) {
      const p = await s.api.person(`p${String(i).padStart(2, "0")}`);
      await s.api.join(p, "acme");
      const dm = await s.api.json<{ id: string }>(alice, "POST", "/api/dm", { user_ids: [p.id] });
      await s.api.json(alice, "POST", `/api/channels/${dm.id}/messages`, { body_md: `hi p${i}` });
      dmIds.unshift(dm.id);
    }
  }, 120_000);
  afterAll(() => s?.close());

  test("the sidebar lists the 50 latest DMs and links to all of them; the oldest opens with its name", async () => {
    const html = await page(alice, "/c/acme/channels/general");
    const listed = elementsOf(html)
      .filter((e) => e.tag === "a" && (e.attrs.href ?? "").startsWith("/dm/"))
      .map((e) => e.attrs.href);
    expect(listed).toEqual(dmIds.slice(0, 50).map((id) => `/dm/${id}`));
    expect(html).toContain('<a href="/dms">All direct messages…</a>');

    const all = await page(alice, "/dms");
    const onPage = elementsOf(all)
      .filter((e) => e.tag === "a" && (e.attrs.href ?? "").startsWith("/dm/"))
      .map((e) => e.attrs.href);
    // The sidebar's 50 and the page's 55, each once.
    expect(onPage.slice(50)).toEqual(dmIds.map((id) => `/dm/${id}`));

    const oldest = await page(alice, `/dm/${dmIds.at(-1)}`);
    expect(oldest).toContain("P00");
  });

  test("settings show 50 sessions and link to the next page, which has the rest", async () => {
    for (let i = 0; i < 54; i++) await createSession(s.api.database.db, alice.id);
    const first = await page(alice, "/settings?community=acme");
    const ids = (html: string) =>
      elementsOf(html)
        .filter(
          (e) => e.tag === "form" && /^\/settings\/sessions\/[0-9a-f-]+\/delete$/.test(e.attrs.action ?? ""),
        )
        .map((e) => e.attrs.action);
    const [next] = hrefs(first, "next-page").filter((h) => h.includes("sessions_after"));
    expect(next).toBeDefined();
    const second = await page(alice, next as string);
    expect(hrefs(second, "next-page").filter((h) => h.includes("sessions_after"))).toEqual([]);
    // 55 sessions: the one asking is signed out with the browser's own form, the others by id.
    const seen = [...ids(first), ...ids(second)];
    expect(seen).toHaveLength(54);
    expect(new Set(seen).size).toBe(54);
  });

  test("settings show the 50 newest bot tokens and link to the older ones", async () => {
    const made: string[] = [];
    for (let i = 0; i < 52; i++) {
      const reply = await commandOk(s.api, alice, general, `/token create bot${i}`);
      made.unshift(reply.effects[0]?.token_id as string);
    }
    const tokenIds = (html: string) =>
      [...html.matchAll(/<tr><td><code>([0-9a-f-]{36})<\/code><\/td><td>@bot\d+-bot/g)].map((m) => m[1]);
    const first = await page(alice, "/settings?community=acme");
    expect(tokenIds(first)).toEqual(made.slice(0, 50));
    const [older] = hrefs(first, "next-page").filter((h) => h.includes("tokens_after"));
    const second = await page(alice, older as string);
    expect(tokenIds(second)).toEqual(made.slice(50));
    expect(second).not.toContain("ajt_");
  });
});
