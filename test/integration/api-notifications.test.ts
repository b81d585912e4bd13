import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";

interface Notification {
  type: string;
  channel_id: string | null;
  data: { channel_name?: string | null };
  preview: string | null;
}

// A notification outlives the access that made it: once its reader cannot read the channel any
// more, it keeps that it happened but shows nothing of the channel — neither the message nor the name.
describe.each(DB_KINDS)("old notifications of a channel one has left, on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let carol: Person;

  const call = <T = { id: string }>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const notificationsOf = async (who: Person, channel: string) => {
    const res = await t.call(who, "GET", "/api/notifications");
    const text = await res.text();
    const items = (JSON.parse(text) as { items: Notification[] }).items;
    return { text, mine: items.filter((n) => n.channel_id === channel) };
  };

  beforeAll(async () => {
    t = await startTestApi(kind);
    alice = await t.person("alice");
    carol = await t.person("carol");
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    await t.join(carol, "acme");
  });
  afterAll(() => t.close());

  test("a private channel's name and preview are blanked once the reader has left it", async () => {
    const name = "skunkworks-7";
    const channel = (
      await call(alice, "POST", "/api/communities/acme/channels", { name, visibility: "private" })
    ).id;
    await call(alice, "POST", `/api/channels/${channel}/members`, { user_id: carol.id });
    await call(alice, "POST", `/api/channels/${channel}/messages`, { body_md: "PROTO-SPECS for @carol" });

    const before = await notificationsOf(carol, channel);
    expect(before.mine.map((n) => [n.type, n.data.channel_name]).sort()).toEqual([
      ["invite", name],
      ["mention", name],
    ]);
    expect(before.text).toContain("PROTO-SPECS");

    await call(carol, "POST", `/api/channels/${channel}/leave`);
    const after = await notificationsOf(carol, channel);
    expect(after.mine.map((n) => [n.type, n.data.channel_name, n.preview]).sort()).toEqual([
      ["invite", null, null],
      ["mention", null, null],
    ]);
    expect(after.text).not.toContain(name);
    expect(after.text).not.toContain("PROTO-SPECS");
  });

  test("a public channel's name stays: everyone in the community may read it", async () => {
    const name = "town-square-7";
    const channel = (await call(alice, "POST", "/api/communities/acme/channels", { name })).id;
    await call(carol, "POST", `/api/channels/${channel}/join`);
    await call(alice, "POST", `/api/channels/${channel}/messages`, { body_md: "hello @carol" });
    await call(carol, "POST", `/api/channels/${channel}/leave`);
    const { mine } = await notificationsOf(carol, channel);
    expect(mine.map((n) => [n.data.channel_name, n.preview])).toEqual([[name, "hello @carol"]]);
  });
});
