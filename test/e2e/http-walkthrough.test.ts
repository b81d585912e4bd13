import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FreshServer, startFreshServer } from "../support/chat-server.ts";
import { once } from "../support/once.ts";

// What a new user does with curl and a session token against `bun run start`: every request goes
// through the gateway over HTTP, as it would from a shell script.
let server: FreshServer;
let base = "";

type Json = Record<string, unknown> & { id: string };

async function curl(token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: (text ? JSON.parse(text) : null) as Json };
}

beforeAll(async () => {
  server = await startFreshServer();
  base = server.base;
});

afterAll(async () => {
  await server?.stop();
});

describe("a chat set up and used with nothing but HTTP requests and tokens", () => {
  let alice = "";
  let bob = "";
  let aliceId = "";
  let bobId = "";
  let general = "";
  let secret = "";
  let setupPath = "";

  // The walkthrough's steps (see `once`).
  const firstPerson = once(async () => {
    const link = await server.setupLink();
    const lines = server.child.stdout().split("\n");
    expect(lines.filter((l) => l.startsWith("setup link: "))).toHaveLength(1);
    expect(link).toStartWith(`${base}/setup/aju_`);
    const path = new URL(link).pathname;
    setupPath = path;
    expect((await fetch(base + path)).status).toBe(200);
    const first = await curl(null, "POST", path, { username: "alice", display_name: "Alice" });
    expect(first.status).toBe(201);
    alice = String(first.json.token);
    expect(alice).toStartWith("ajs_");
    const again = await curl(null, "POST", path, { username: "mallory", display_name: "M" });
    expect(again.status).toBe(404);
    aliceId = (await curl(alice, "GET", "/api/me")).json.id;
  });

  const community = once(async () => {
    await firstPerson();
    const created = await curl(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    expect(created.status).toBe(201);
    const channels = await curl(alice, "GET", "/api/communities/acme/channels");
    general = (channels.json.items as Json[])[0]?.id as string;
    expect(general).toBeTruthy();
    expect((await fetch(base + setupPath)).status).toBe(404);
  });

  const secondPerson = once(async () => {
    await community();
    const invite = await curl(alice, "POST", "/api/communities/acme/invites", { max_uses: 1 });
    expect(invite.status).toBe(201);
    const path = new URL(String(invite.json.url)).pathname;
    const joined = await curl(null, "POST", path, { username: "bob", display_name: "Bob" });
    expect(joined.status).toBe(201);
    bob = String(joined.json.token);
    bobId = (await curl(bob, "GET", "/api/me")).json.id;
    const spent = await curl(null, "POST", path, { username: "carol", display_name: "Carol" });
    expect(spent.status).toBe(404);
    const members = await curl(alice, "GET", "/api/communities/acme/members");
    expect((members.json.items as { user: { username: string } }[]).map((m) => m.user.username)).toEqual([
      "alice",
      "bob",
    ]);
  });

  const talked = once(async () => {
    await secondPerson();
    const pub = await curl(alice, "POST", "/api/communities/acme/channels", { name: "dev", topic: "code" });
    expect(pub.status).toBe(201);
    const priv = await curl(alice, "POST", "/api/communities/acme/channels", {
      name: "leads",
      visibility: "private",
    });
    secret = priv.json.id;
    await curl(alice, "POST", `/api/channels/${secret}/messages`, { body_md: "the private plan" });
    expect((await curl(bob, "GET", `/api/channels/${secret}/messages`)).status).toBe(404);

    const hello = await curl(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "hi @bob, see **this**",
    });
    expect(hello.status).toBe(201);
    expect(hello.json.mentions).toEqual([{ type: "user", user_id: bobId, username: "bob" }]);
    const edited = await curl(alice, "PATCH", `/api/messages/${hello.json.id}`, {
      body_md: "hi @bob, see **that**",
    });
    expect(edited.json.edited_at).toBeTruthy();
    const reply = await curl(bob, "POST", `/api/channels/${general}/messages`, {
      body_md: "on it",
      parent_id: hello.json.id,
    });
    expect(reply.status).toBe(201);
    const reacted = await curl(
      bob,
      "PUT",
      `/api/messages/${hello.json.id}/reactions/${encodeURIComponent("🚀")}`,
    );
    expect(reacted.json.reactions).toEqual([
      { emoji: "🚀", count: 1, reacted_by_me: true, user_ids: [bobId] },
    ]);
    const replies = await curl(alice, "GET", `/api/messages/${hello.json.id}/replies`);
    expect((replies.json.items as Json[]).map((m) => m.body_md)).toEqual(["on it"]);
    const oops = await curl(bob, "POST", `/api/channels/${general}/messages`, { body_md: "wrong window" });
    expect((await curl(bob, "DELETE", `/api/messages/${oops.json.id}`)).json.deleted).toBe(true);
    const history = await curl(alice, "GET", `/api/channels/${general}/messages`);
    expect(history.text).not.toContain("wrong window");
    expect(history.text).not.toContain("the private plan");
  });

  test("start-up prints exactly one setup link, and it signs in the first person once", () => firstPerson());

  test("the first person creates the community and the setup link is gone for good", () => community());

  test("an invite link brings in a second person, once per use", () => secondPerson());

  test("channels public and private, messages with mentions, edits, deletes, threads and reactions", () =>
    talked());

  test("a file goes up with a message and comes back byte for byte; search finds what was said", async () => {
    await talked();
    const form = new FormData();
    form.append("body_md", "the quarterly report");
    form.append("file", new Blob(["col1,col2\n1,2\n"], { type: "text/csv" }), "report.csv");
    const up = await fetch(`${base}/api/channels/${general}/attachments`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}` },
      body: form,
    });
    expect(up.status).toBe(201);
    const { message } = (await up.json()) as {
      message: { attachments: { url: string; filename: string }[] };
    };
    expect(message.attachments[0]?.filename).toBe("report.csv");
    const down = await fetch(base + (message.attachments[0]?.url ?? ""), {
      headers: { authorization: `Bearer ${bob}` },
    });
    expect(down.status).toBe(200);
    expect(await down.text()).toBe("col1,col2\n1,2\n");
    expect(down.headers.get("content-disposition")).toStartWith("attachment");
    const found = await curl(bob, "GET", `/api/search?q=${encodeURIComponent("quarterly reports")}`);
    expect((found.json.items as { message: { body_md: string } }[]).map((h) => h.message.body_md)).toEqual([
      "the quarterly report",
    ]);
    const hidden = await curl(bob, "GET", `/api/search?q=${encodeURIComponent("private plan")}`);
    expect(hidden.json.items).toEqual([]);
  });

  test("a DM between the two, and notifications that clear when read", async () => {
    await talked();
    const dm = await curl(bob, "POST", "/api/dm", { user_ids: [aliceId] });
    const sent = await curl(bob, "POST", `/api/channels/${dm.json.id}/messages`, {
      body_md: "quick question",
    });
    expect(sent.status).toBe(201);
    const unread = await curl(alice, "GET", "/api/notifications?unread=true");
    expect((unread.json.items as Json[]).map((n) => n.type)).toContain("dm");
    await curl(alice, "POST", `/api/channels/${dm.json.id}/read`, { message_id: sent.json.id });
    const after = await curl(alice, "GET", "/api/notifications?unread=true");
    expect((after.json.items as Json[]).map((n) => n.type)).not.toContain("dm");
    const bobs = await curl(bob, "GET", "/api/notifications?unread=true");
    expect(bobs.json.unread_count).toBe(1);
    await curl(bob, "POST", "/api/notifications/read", { all: true });
    expect((await curl(bob, "GET", "/api/notifications?unread=true")).json.unread_count).toBe(0);
  });

  test("denied cases answer 401, 403 or 404 without content", async () => {
    await talked();
    expect((await curl(null, "GET", "/api/me")).status).toBe(401);
    const stolen = await curl(bob, "GET", `/api/channels/${secret}`);
    expect(stolen.status).toBe(404);
    expect(stolen.text).not.toContain("leads");
    const demote = await curl(bob, "PATCH", `/api/communities/acme/members/${aliceId}`, { role: "member" });
    expect(demote.status).toBe(403);
    expect((await curl(bob, "POST", "/api/communities/acme/invites", {})).status).toBe(403);
  });
});
