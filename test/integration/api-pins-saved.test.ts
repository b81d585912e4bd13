import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";

interface Item {
  message: { id: string; body_md: string };
}

// Pins (shared with the channel's readers, live) and saved items (private), through the API.
describe.each(DB_KINDS)("pins and saved items on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let general: string;

  const call = <T = { id: string; changed?: boolean }>(
    who: Person,
    method: string,
    path: string,
    body?: unknown,
  ) => t.json<T>(who, method, path, body);
  const post = (who: Person, channel: string, body_md: string) =>
    call(who, "POST", `/api/channels/${channel}/messages`, { body_md });
  const privateChannel = async (name: string) =>
    (await call(alice, "POST", "/api/communities/acme/channels", { name, visibility: "private" })).id;
  const bodies = (page: { items: Item[] }) => page.items.map((i) => i.message.body_md);

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, bob, carol] = (await Promise.all(["alice", "bob", "carol"].map((n) => t.person(n)))) as [
      Person,
      Person,
      Person,
    ];
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(bob, "acme");
    await t.join(carol, "acme");
    general = (await call<{ items: { id: string }[] }>(alice, "GET", "/api/communities/acme/channels"))
      .items[0]?.id as string;
    await call(bob, "POST", `/api/channels/${general}/join`);
  });
  afterAll(() => t.close());

  test("a member pins a message; every reader sees the channel's pins, newest first, and hears of it live", async () => {
    const older = await post(alice, general, "the runbook is at /wiki/runbook");
    const newer = await post(bob, general, "deploys freeze on Fridays");
    t.events.length = 0;
    expect(await call<Record<string, unknown>>(bob, "POST", `/api/messages/${older.id}/pin`)).toEqual({
      message_id: older.id,
      pinned: true,
      changed: true,
    });
    await call(alice, "POST", `/api/messages/${newer.id}/pin`);
    expect((await call(alice, "POST", `/api/messages/${newer.id}/pin`)).changed).toBe(false);
    await t.delivered();
    expect(
      t.events.filter((e) => e.event.type === "message.pinned").map((e) => e.event.data.message_id),
    ).toEqual([older.id, newer.id]);
    // carol joined the community but not the channel: a public channel's pins are hers to read too.
    expect(bodies(await call(carol, "GET", `/api/channels/${general}/pins`))).toEqual([
      "deploys freeze on Fridays",
      "the runbook is at /wiki/runbook",
    ]);
    const page = await call<{ items: Item[]; has_more: boolean }>(
      bob,
      "GET",
      `/api/channels/${general}/pins?limit=1`,
    );
    expect(page.has_more).toBe(true);
    await call(bob, "DELETE", `/api/messages/${newer.id}/pin`);
    expect(bodies(await call(bob, "GET", `/api/channels/${general}/pins`))).toEqual([
      "the runbook is at /wiki/runbook",
    ]);
    // Pinning is for members: carol must join first.
    expect((await t.call(carol, "POST", `/api/messages/${older.id}/pin`)).status).toBe(409);
  });

  test("a private channel's pins are a 404 to outsiders and its pin events name only its members", async () => {
    const secret = await privateChannel("pinned-secrets");
    const m = await post(alice, secret, "SECRET-PIN-TEXT");
    t.events.length = 0;
    await call(alice, "POST", `/api/messages/${m.id}/pin`);
    await t.delivered();
    const event = t.events.find((e) => e.event.type === "message.pinned");
    expect(event?.event.data.audience).toEqual([alice.id]);
    const outsider = await t.call(bob, "GET", `/api/channels/${secret}/pins`);
    expect(outsider.status).toBe(404);
    expect(await outsider.text()).not.toContain("SECRET-PIN-TEXT");
    expect((await t.call(bob, "POST", `/api/messages/${m.id}/pin`)).status).toBe(404);
  });

  test("saved items are private, idempotent, and leave the list when the message can no longer be read", async () => {
    const secret = await privateChannel("saved-secrets");
    await call(alice, "POST", `/api/channels/${secret}/members`, { user_id: carol.id });
    const open = await post(alice, general, "read this later");
    const hidden = await post(alice, secret, "PRIVATE-SAVED-TEXT");
    t.events.length = 0;
    await call(carol, "PUT", `/api/messages/${open.id}/saved`);
    await call(carol, "PUT", `/api/messages/${open.id}/saved`);
    await call(carol, "PUT", `/api/messages/${hidden.id}/saved`);
    await t.delivered();
    expect(t.events.map((e) => [e.subject, e.event.type])).toEqual([
      [`chat.notifications.${carol.id}`, "saved.added"],
      [`chat.notifications.${carol.id}`, "saved.added"],
    ]);
    expect(bodies(await call(carol, "GET", "/api/saved"))).toEqual(["PRIVATE-SAVED-TEXT", "read this later"]);
    expect(bodies(await call(bob, "GET", "/api/saved"))).toEqual([]);
    expect((await t.call(bob, "PUT", `/api/messages/${hidden.id}/saved`)).status).toBe(404);

    await call(carol, "POST", `/api/channels/${secret}/leave`);
    const after = await t.call(carol, "GET", "/api/saved");
    expect(await after.clone().text()).not.toContain("PRIVATE-SAVED-TEXT");
    expect(bodies((await after.json()) as { items: Item[] })).toEqual(["read this later"]);
    await call(carol, "DELETE", `/api/messages/${open.id}/saved`);
    expect(bodies(await call(carol, "GET", "/api/saved"))).toEqual([]);
  });

  test("a deleted message leaves the pins and the saved list", async () => {
    const m = await post(bob, general, "soon gone");
    await call(bob, "POST", `/api/messages/${m.id}/pin`);
    await call(bob, "PUT", `/api/messages/${m.id}/saved`);
    await call(bob, "DELETE", `/api/messages/${m.id}`);
    expect(bodies(await call(bob, "GET", `/api/channels/${general}/pins`))).not.toContain("soon gone");
    expect(bodies(await call(bob, "GET", "/api/saved"))).not.toContain("soon gone");
  });
});
