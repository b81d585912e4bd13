import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parse } from "parse5";
import { boxEnv, runAdmin } from "../support/admin.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { as, jsonLines, plainLines, runCli } from "../support/terminal.ts";

interface HtmlNode {
  nodeName: string;
  value?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: HtmlNode[];
}

const textOf = (node: HtmlNode): string =>
  node.nodeName === "#text" ? (node.value ?? "") : (node.childNodes ?? []).map(textOf).join("");

/** The cells of each row of the settings page's audit table, or null when the page has none. */
function auditTable(html: string): string[][] | null {
  const find = (node: HtmlNode): HtmlNode | undefined =>
    node.attrs?.some((a) => a.name === "id" && a.value === "audit")
      ? node
      : (node.childNodes ?? []).map(find).find(Boolean);
  const section = find(parse(html) as unknown as HtmlNode);
  if (!section) return null;
  const rows: string[][] = [];
  const walk = (node: HtmlNode) => {
    if (node.nodeName === "tr") {
      const cells = (node.childNodes ?? []).filter((c) => c.nodeName === "td").map((c) => textOf(c).trim());
      if (cells.length) rows.push(cells);
    }
    for (const child of node.childNodes ?? []) walk(child);
  };
  walk(section);
  return rows;
}

// The owner's view of the audit log: the API, `ajet-chat audit`, and the web settings page.
describe("the community's audit log, for its owner", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let carol: ChatPerson;

  const status = async (who: ChatPerson, path: string) =>
    (await fetch(chat.base + path, { headers: { authorization: `Bearer ${who.token}` } })).status;

  beforeAll(async () => {
    chat = await startChatServer();
    alice = chat.owner;
    bob = await chat.invite("bob");
    carol = await chat.invite("carol");
    await chat.api(alice, "PATCH", `/api/communities/acme/members/${bob.id}`, { role: "admin" });
    await runAdmin(boxEnv(chat), ["admin", "sessions", "revoke", "@carol"]);
    // Bob's own community: nothing of it belongs in acme's log.
    await chat.api(bob, "POST", "/api/communities", { name: "Bob's", slug: "bobs" });
    await chat.api(bob, "POST", "/api/communities/bobs/invites", {});
  });
  afterAll(async () => {
    await chat.stop();
  });

  test("the owner reads it through the API with filters; an admin or member gets 403, an outsider 404", async () => {
    const all = await chat.api<{ items: Record<string, unknown>[] }>(
      alice,
      "GET",
      "/api/communities/acme/audit",
    );
    const actions = all.items.map((r) => `${r.actor} ${r.action}`);
    expect(actions).toContain("@alice member.role_changed");
    expect(actions).toContain("local-admin session.revoked_all");
    expect(actions).toContain("@alice invite.created");
    // Not bob's community, not people's own sign-ins, and no addresses.
    const acme = await chat.api<{ id: string }>(alice, "GET", "/api/communities/acme");
    expect(all.items.filter((r) => r.community_id !== null && r.community_id !== acme.id)).toEqual([]);
    expect(actions.filter((a) => a.startsWith("@bob invite.created"))).toEqual([]);
    expect(actions.filter((a) => a.includes(" login"))).toEqual([]);
    expect(JSON.stringify(all)).not.toContain('"ip"');

    const byAdmin = await chat.api<{ items: { actor: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/audit?who=local-admin",
    );
    expect(byAdmin.items.map((r) => r.actor)).toEqual(["local-admin"]);
    const roles = await chat.api<{ items: { action: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/audit?what=member.",
    );
    expect(roles.items.map((r) => r.action)).toEqual(["member.role_changed"]);
    const future = await chat.api<{ items: unknown[] }>(
      alice,
      "GET",
      "/api/communities/acme/audit?since=2099-01-01T00:00:00Z",
    );
    expect(future.items).toEqual([]);

    expect(await status(bob, "/api/communities/acme/audit")).toBe(403);
    expect(await status(carol, "/api/communities/acme/audit")).toBe(401);
    expect(await status(alice, "/api/communities/bobs/audit")).toBe(404);
    expect(await status(alice, "/api/communities/acme/audit?since=yesterday")).toBe(400);
  });

  test("ajet-chat audit prints the owner's log, and tells an admin they may not", async () => {
    const out = await runCli(["audit", "--community", "acme", "--what", "member.", "--since", "1h"], {
      env: as(chat, alice),
    });
    expect(out.stderr).toBe("");
    expect(plainLines(out.stdout).map((l) => [l[1], l[2], l[3]])).toEqual([
      ["@alice", "member.role_changed", `user:${bob.id}`],
    ]);
    const json = await runCli(["audit", "--community", "acme", "--who", "local-admin", "--json"], {
      env: as(chat, alice),
    });
    expect(jsonLines(json.stdout).map((r) => r.action)).toEqual(["session.revoked_all"]);

    const refused = await runCli(["audit", "--community", "acme"], { env: as(chat, bob) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe("ajet-chat: only the community's owner can read its audit log\n");
    expect(refused.stdout).toBe("");
  });

  test("the web settings page shows the owner the log, and an admin no such section", async () => {
    const settings = async (who: ChatPerson) => {
      const res = await fetch(`${chat.base}/settings?community=acme`, {
        headers: { cookie: `ajet_session=${who.token}` },
      });
      expect(res.status).toBe(200);
      return res.text();
    };
    const rows = auditTable(await settings(alice));
    expect(rows?.map((r) => [r[1], r[2]])).toContainEqual(["local-admin", "session.revoked_all"]);
    expect(rows?.map((r) => [r[1], r[2]])).toContainEqual(["@alice", "member.role_changed"]);
    expect(auditTable(await settings(bob))).toBeNull();
  });
});
