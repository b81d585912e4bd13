import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import sharp from "sharp";
import { acmeWithSecret, DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { commandOk } from "../support/commands.ts";
import { trustedHop } from "../support/internal.ts";
import { type OutsideWeb, startOutsideWeb } from "../support/outside-web.ts";

interface Me {
  id: string;
  avatar_url: string | null;
}
interface Msg {
  id: string;
  author: { display_name: string; avatar_url: string | null };
}

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#cc3366" } })
    .png()
    .toBuffer();

const form = (bytes: Uint8Array | string, name = "me.png", type = "image/png") => {
  const f = new FormData();
  f.append("file", new Blob([bytes], { type }), name);
  return f;
};

describe.each(DB_KINDS)("avatars (%s)", (kind) => {
  let web: OutsideWeb;
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let general: string;
  beforeAll(async () => {
    web = startOutsideWeb();
    web.routes["/jenkins.png"] = async () =>
      new Response(await png(300, 300), { headers: { "content-type": "image/png" } });
    t = await startTestApi(kind, {}, undefined, web.outbound());
    alice = await t.person("alice");
    bob = await t.person("bob");
    ({ general } = await acmeWithSecret(t, alice));
    await t.join(bob, "acme");
  });
  afterAll(async () => {
    await t?.close();
    web?.stop();
  });

  const upload = async (who: Person, body: FormData) => t.call(who, "PUT", "/api/me/avatar", body);

  test("an uploaded picture becomes a 256-pixel square served with long caching and safe headers", async () => {
    const res = await upload(alice, form(await png(1000, 600)));
    expect(res.status).toBe(200);
    const me = (await res.json()) as Me;
    expect(me.avatar_url).toMatch(new RegExp(`^/api/avatars/${alice.id}/[0-9a-f-]{36}\\.webp$`));
    const image = await t.call(bob, "GET", me.avatar_url ?? "");
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/webp");
    expect(image.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    expect(image.headers.get("x-content-type-options")).toBe("nosniff");
    expect(image.headers.get("content-security-policy")).toContain("sandbox");
    const meta = await sharp(new Uint8Array(await image.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
    expect((await t.call(null, "GET", me.avatar_url ?? "")).status).toBe(401);
  });

  test("faces show beside messages and in the member list", async () => {
    const me = await t.json<Me>(alice, "GET", "/api/me");
    const m = await t.json<Msg>(alice, "POST", `/api/channels/${general}/messages`, { body_md: "hi" });
    expect((await t.json<Msg>(bob, "GET", `/api/messages/${m.id}`)).author.avatar_url).toBe(me.avatar_url);
    const members = await t.json<{ items: { user: Me }[] }>(bob, "GET", "/api/communities/acme/members");
    expect(members.items.find((x) => x.user.id === alice.id)?.user.avatar_url).toBe(me.avatar_url);
  });

  test("a new picture replaces the old, whose address stops working", async () => {
    const before = await t.json<Me>(alice, "GET", "/api/me");
    const after = (await (await upload(alice, form(await png(64, 64)))).json()) as Me;
    expect(after.avatar_url).not.toBe(before.avatar_url);
    expect((await t.call(bob, "GET", before.avatar_url ?? "")).status).toBe(404);
    expect((await t.call(bob, "GET", after.avatar_url ?? "")).status).toBe(200);
  });

  test.each([
    [
      "an SVG",
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      "x.svg",
      "image/svg+xml",
    ],
    ["text named .png", "not a picture", "x.png", "image/png"],
    ["an empty file", "", "x.png", "image/png"],
  ])("%s is refused with 400 and the avatar stays", async (_name, bytes, name, type) => {
    const before = await t.json<Me>(bob, "GET", "/api/me");
    const res = await upload(bob, form(bytes, name, type));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(
      /bad_image|invalid_request/,
    );
    expect((await t.json<Me>(bob, "GET", "/api/me")).avatar_url).toBe(before.avatar_url);
  });

  test("someone else's avatar name under your id is not found", async () => {
    const theirs = await t.json<Me>(alice, "GET", "/api/me");
    const file = theirs.avatar_url?.split("/").pop();
    expect((await t.call(bob, "GET", `/api/avatars/${bob.id}/${file}`)).status).toBe(404);
  });

  test("removing the avatar brings the initials back", async () => {
    const me = await t.json<Me>(bob, "DELETE", "/api/me/avatar");
    expect(me.avatar_url).toBeNull();
  });

  test("a Slack icon_url is fetched once through the safe fetcher and served by us; an internal one is not fetched", async () => {
    const reply = await commandOk(t, alice, general, "/webhook create #general Jenkins");
    const url = new URL(reply.effects[0]?.url as string);
    const hook = (payload: unknown) =>
      t.app.fetch(
        new Request(`http://api.test${url.pathname}`, {
          method: "POST",
          headers: { ...trustedHop, "content-type": "application/json" },
          body: JSON.stringify(payload),
        }),
      );
    const newest = async () =>
      (await t.json<{ items: Msg[] }>(alice, "GET", `/api/channels/${general}/messages?limit=1`)).items[0];
    for (const text of ["first", "second"]) {
      expect((await hook({ text, icon_url: web.url("/jenkins.png") })).status).toBe(200);
    }
    const icon = (await newest())?.author.avatar_url ?? "";
    expect(icon).toMatch(/^\/api\/images\/[0-9a-f-]{36}$/);
    expect(web.publicVisits.filter((v) => v.path === "/jenkins.png")).toHaveLength(1);
    expect((await t.call(bob, "GET", icon)).headers.get("content-type")).toBe("image/webp");

    expect((await hook({ text: "sneaky", icon_url: web.internalUrl("/icon.png") })).status).toBe(200);
    expect((await newest())?.author.avatar_url).toBeNull();
    expect(web.internalVisits).toEqual([]);
  });
});
