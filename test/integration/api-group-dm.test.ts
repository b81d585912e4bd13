import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";

interface Dm {
  id: string;
  type: string;
  members: { id: string }[];
}

// A conversation is found by who is in it now. Someone who left a group DM stays out of it: opening
// a DM with the same people again starts a new conversation (as Slack does when someone is added to
// a group DM), so what was said after they left stays with those who stayed.
describe.each(DB_KINDS)("leaving a group DM on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let made = 0;

  const call = <T = Dm>(who: Person, method: string, path: string, body?: unknown) =>
    t.json<T>(who, method, path, body);
  const open = (who: Person, others: Person[]) =>
    call(who, "POST", "/api/dm", { user_ids: others.map((p) => p.id) });
  const post = (who: Person, channel: string, body_md: string) =>
    call(who, "POST", `/api/channels/${channel}/messages`, { body_md });
  const memberIds = (dm: Dm) => dm.members.map((m) => m.id).sort();
  const ids = (...people: Person[]) => people.map((p) => p.id).sort();
  /** New members of Acme, so each test's conversations are its own. */
  const people = async (n: number) => {
    const list: Person[] = [];
    for (let i = 0; i < n; i++) {
      const p = await t.person(`person-${++made}`);
      await t.join(p, "acme");
      list.push(p);
    }
    return list as [Person, Person, Person];
  };

  beforeAll(async () => {
    t = await startTestApi(kind);
    alice = await t.person("alice");
    await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
  });
  afterAll(() => t.close());

  test("the same people opened at once, from both sides, make one conversation, found again afterwards", async () => {
    const [bob, carol] = await people(2);
    const opened = await Promise.all([
      ...Array.from({ length: 4 }, () => open(alice, [bob, carol])),
      ...Array.from({ length: 4 }, () => open(bob, [carol, alice])),
    ]);
    const made = new Set(opened.map((d) => d.id));
    expect(made.size).toBe(1);
    expect(memberIds(opened[0] as Dm)).toEqual(ids(alice, bob, carol));
    expect((await open(carol, [alice, bob])).id).toBe(opened[0]?.id as string);
  });

  test("reopening the same people does not put back whoever left; it starts a new conversation", async () => {
    const [bob, carol] = await people(2);
    const group = await open(alice, [bob, carol]);
    await post(alice, group.id, "before carol left");
    await call(carol, "POST", `/api/channels/${group.id}/leave`);
    await post(alice, group.id, "AFTER-CAROL-LEFT");

    const again = await open(alice, [bob, carol]);
    expect(again.id).not.toBe(group.id);
    expect(again.type).toBe("group_dm");
    expect(memberIds(again)).toEqual(ids(alice, bob, carol));
    const old = await call(alice, "GET", `/api/channels/${group.id}`);
    expect(memberIds(old)).toEqual(ids(alice, bob));

    const readOld = await t.call(carol, "GET", `/api/channels/${group.id}/messages`);
    expect(readOld.status).toBe(404);
    const readNew = await t.call(carol, "GET", `/api/channels/${again.id}/messages`);
    expect(readNew.status).toBe(200);
    expect(await readNew.text()).not.toContain("AFTER-CAROL-LEFT");
    const listed = await (await t.call(carol, "GET", "/api/dm")).text();
    expect(listed).not.toContain(group.id);
    expect(listed).toContain(again.id);
  });

  test("the one who left cannot bring themselves back by reopening it either", async () => {
    const [bob, carol, dave] = await people(3);
    const group = await open(bob, [carol, dave]);
    await call(dave, "POST", `/api/channels/${group.id}/leave`);
    await post(bob, group.id, "DAVE-IS-GONE");
    const mine = await open(dave, [bob, carol]);
    expect(mine.id).not.toBe(group.id);
    expect((await t.call(dave, "GET", `/api/channels/${group.id}/messages`)).status).toBe(404);
    expect(await (await t.call(dave, "GET", `/api/channels/${mine.id}/messages`)).text()).not.toContain(
      "DAVE-IS-GONE",
    );
    // Opening the same people once more finds that new conversation, not a third.
    expect((await open(carol, [bob, dave])).id).toBe(mine.id);
  });

  test("those who stayed find their conversation by the people still in it", async () => {
    const [bob, carol, dave] = await people(3);
    const group = await open(alice, [bob, carol, dave]);
    await call(dave, "POST", `/api/channels/${group.id}/leave`);
    const stayed = await open(bob, [alice, carol]);
    expect(stayed.id).toBe(group.id);
    expect(memberIds(stayed)).toEqual(ids(alice, bob, carol));
  });

  test("when two conversations have the same people now, the most recently active one is found", async () => {
    const [bob, carol, dave] = await people(3);
    const three = await open(alice, [bob, carol]);
    const four = await open(alice, [bob, carol, dave]);
    await call(dave, "POST", `/api/channels/${four.id}/leave`);
    await post(bob, four.id, "the busier one");
    expect((await open(carol, [alice, bob])).id).toBe(four.id);
    await post(bob, three.id, "now this one");
    expect((await open(carol, [alice, bob])).id).toBe(three.id);
  });

  test("a group DM with nobody gone is found again, whoever opens it", async () => {
    const [carol, dave] = await people(2);
    const group = await open(alice, [carol, dave]);
    expect((await open(dave, [alice, carol])).id).toBe(group.id);
    expect((await open(carol, [dave, alice, alice])).id).toBe(group.id);
  });
});
