import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";

interface Channel {
  id: string;
  name: string;
  archived_at: string | null;
}

// Archiving a channel: owners and admins only; read-only, hidden from the default list, searchable.
describe.each(DB_KINDS)("channel archive on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let general: string;

  const call = <T = { id: string }>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const names = async (who: Person, query = "") =>
    (await call<{ items: Channel[] }>(who, "GET", `/api/communities/acme/channels${query}`)).items.map(
      (c) => c.name,
    );

  beforeAll(async () => {
    t = await startTestApi(kind);
    alice = await t.person("alice");
    bob = await t.person("bob");
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    general = (await call<{ items: Channel[] }>(alice, "GET", "/api/communities/acme/channels")).items[0]
      ?.id as string;
  });
  afterAll(() => t.close());

  test("/archive makes a channel read-only and hides it from the default list; its history stays readable and searchable", async () => {
    const old = await call(alice, "POST", "/api/communities/acme/channels", { name: "old-project" });
    await call(bob, "POST", `/api/channels/${old.id}/join`);
    await call(bob, "POST", `/api/channels/${old.id}/messages`, { body_md: "zanzibar retrospective notes" });
    t.events.length = 0;
    expect(await commandOk(t, alice, general, "/archive #old-project")).toEqual({
      ok: true,
      reply_md: "Archived #old-project.",
      effects: [{ type: "channel.archived", channel_id: old.id }],
    });
    await t.delivered();
    expect(t.events.map((e) => e.event.type)).toContain("channel.archived");
    expect(await names(bob)).not.toContain("old-project");
    expect(await names(bob, "?archived=true")).toContain("old-project");

    const post = await t.call(bob, "POST", `/api/channels/${old.id}/messages`, { body_md: "still here?" });
    expect(post.status).toBe(410);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe("channel_archived");
    expect(
      (await call<{ items: unknown[] }>(bob, "GET", `/api/channels/${old.id}/messages`)).items,
    ).toHaveLength(1);
    const hits = await call<{ items: { message: { channel_id: string } }[] }>(
      bob,
      "GET",
      "/api/search?q=zanzibar",
    );
    expect(hits.items.map((h) => h.message.channel_id)).toEqual([old.id]);

    const [audit] = await t.database.db.select().from(auditLog).where(eq(auditLog.targetId, old.id));
    expect(audit).toMatchObject({ action: "channel.archived", actorId: alice.id });

    await commandOk(t, alice, general, "/unarchive #old-project");
    expect(await names(bob)).toContain("old-project");
    expect((await t.call(bob, "POST", `/api/channels/${old.id}/messages`, { body_md: "back" })).status).toBe(
      201,
    );
  });

  test("only owners and admins archive; #general and DMs cannot be; nobody joins an archived channel", async () => {
    const side = await call(alice, "POST", "/api/communities/acme/channels", { name: "side" });
    expect((await command(t, bob, general, "/archive #side")).status).toBe(403);
    expect((await t.call(bob, "POST", `/api/channels/${side.id}/archive`)).status).toBe(403);
    expect((await t.call(alice, "POST", `/api/channels/${general}/archive`)).status).toBe(400);
    const dm = await call(alice, "POST", "/api/dm", { user_ids: [bob.id] });
    expect((await t.call(alice, "POST", `/api/channels/${dm.id}/archive`)).status).toBe(400);
    await call<Channel>(alice, "POST", `/api/channels/${side.id}/archive`);
    expect((await t.call(alice, "POST", `/api/channels/${side.id}/archive`)).status).toBe(409);
    expect((await t.call(bob, "POST", `/api/channels/${side.id}/join`)).status).toBe(410);
  });

  test("an archived private channel stays invisible to people outside it", async () => {
    const hidden = await call(alice, "POST", "/api/communities/acme/channels", {
      name: "hush-archive",
      visibility: "private",
    });
    await call(alice, "POST", `/api/channels/${hidden.id}/archive`);
    expect(await names(alice, "?archived=true")).toContain("hush-archive");
    expect(await names(bob, "?archived=true")).not.toContain("hush-archive");
    expect((await t.call(bob, "POST", `/api/channels/${hidden.id}/unarchive`)).status).toBe(404);
  });
});
