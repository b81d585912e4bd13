import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, count, eq, inArray } from "drizzle-orm";
import { doOAuthLogin } from "../../lib/auth/oauth-login.ts";
import { createSession } from "../../lib/auth/sessions.ts";
import {
  attachments,
  channelMembers,
  channels,
  messages,
  reactions,
  slackImportIds,
  users,
} from "../../lib/db/schema.ts";
import { doAcceptInvite, doJoinAsNewPerson } from "../../lib/invites/invites.ts";
import { doCreateClaimInvite } from "../../lib/slack-import/claim.ts";
import type { ImportReport } from "../../lib/slack-import/report.ts";
import { doImportSlack } from "../../lib/slack-import/run.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { buildSlackExport, slackTs, writeSlackExportZip } from "../support/slack-export.ts";

interface Page {
  items: { id: string; body_md: string; author: { username: string | null; display_name: string } }[];
}
interface ChannelItem {
  id: string;
  name: string;
  unread_count?: number;
}

const at = (ts: string) => new Date(Number(ts) * 1000);
// What the synthetic export holds, less Slack's join/leave and rename notices.
const IMPORTED_MESSAGES = 9 + 2 + 2 + 2 + 1;

describe.each(DB_KINDS)("Slack import on %s", (kind) => {
  let t: TestApi;
  let owner: Person;
  let communityId: string;
  let dir: string;
  let zipPath: string;
  let first: ImportReport;

  const db = () => t.database.db;
  const run = () =>
    doImportSlack({ db: db(), store: t.store, communityId, zipPath, maxUploadBytes: 10 * 1024 * 1024 });
  const local = async (kindOf: string, slackId: string) => {
    const [row] = await db()
      .select({ id: slackImportIds.localId })
      .from(slackImportIds)
      .where(
        and(
          eq(slackImportIds.communityId, communityId),
          eq(slackImportIds.kind, kindOf),
          eq(slackImportIds.slackId, slackId),
        ),
      );
    if (!row) throw new Error(`nothing imported for ${kindOf} ${slackId}`);
    return row.id;
  };
  const byBody = async (body: string) => {
    const [row] = await db().select().from(messages).where(eq(messages.bodyMd, body));
    if (!row) throw new Error(`no message "${body}"`);
    return row;
  };
  /** The placeholder, claimed: active again and signed in. */
  const claim = async (slackId: string): Promise<Person> => {
    const id = await local("user", slackId);
    const [user] = await db().update(users).set({ deactivatedAt: null }).where(eq(users.id, id)).returning();
    const { token } = await createSession(db(), id);
    return { id, username: (user as { username: string }).username, token };
  };
  const tableCounts = async () => ({
    users: (await db().select({ n: count() }).from(users))[0]?.n,
    channels: (await db().select({ n: count() }).from(channels))[0]?.n,
    messages: (await db().select({ n: count() }).from(messages))[0]?.n,
    reactions: (await db().select({ n: count() }).from(reactions))[0]?.n,
    attachments: (await db().select({ n: count() }).from(attachments))[0]?.n,
    members: (await db().select({ n: count() }).from(channelMembers))[0]?.n,
  });

  beforeAll(async () => {
    t = await startTestApi(kind);
    owner = await t.person("owner");
    communityId = (
      await t.json<{ id: string }>(owner, "POST", "/api/communities", { name: "Acme", slug: "acme" })
    ).id;
    dir = mkdtempSync(join(tmpdir(), "slack-import-"));
    zipPath = join(dir, "export.zip");
    await writeSlackExportZip(buildSlackExport(), zipPath);
    first = await run();
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("people arrive as deactivated placeholders keeping their Slack name and email", async () => {
    expect(first.users).toEqual({ created: 5, existing: 0, deactivated: 1 });
    const alice = (
      await db()
        .select()
        .from(users)
        .where(eq(users.id, await local("user", "U0ALICE")))
    )[0];
    expect(alice).toMatchObject({
      username: "alice",
      displayName: "Alice Archer",
      email: "alice@example.com",
    });
    expect(alice?.deactivatedAt).not.toBeNull();
    const bot = (
      await db()
        .select()
        .from(users)
        .where(eq(users.id, await local("user", "U0BOT")))
    )[0];
    expect(bot?.kind).toBe("bot");
  });

  test("channels keep their visibility, members and topic; #general joins the one already here", async () => {
    expect(first.conversations).toMatchObject({ created: 4, existing: 0, merged: ["#general"] });
    const secret = (
      await db()
        .select()
        .from(channels)
        .where(eq(channels.id, await local("conversation", "G0SECRET")))
    )[0];
    expect(secret).toMatchObject({
      name: "secret-plans",
      visibility: "private",
      topic: "Launch planning",
      communityId,
    });
    const members = await db()
      .select({ id: channelMembers.userId })
      .from(channelMembers)
      .where(eq(channelMembers.channelId, secret?.id as string));
    expect(members.map((m) => m.id).sort()).toEqual(
      [await local("user", "U0ALICE"), await local("user", "U0BOB")].sort(),
    );
    const engineering = await local("conversation", "C0ENG");
    expect((await db().select().from(channels).where(eq(channels.id, engineering)))[0]?.name).toBe(
      "engineering",
    );
    const dm = (
      await db()
        .select()
        .from(channels)
        .where(eq(channels.id, await local("conversation", "D0ALICEBOB")))
    )[0];
    expect(dm).toMatchObject({ type: "dm", communityId: null });
    const group = (
      await db()
        .select()
        .from(channels)
        .where(eq(channels.id, await local("conversation", "G0MPIM")))
    )[0];
    expect(group).toMatchObject({ type: "group_dm", communityId: null });
  });

  test("messages keep their authors, times, threads, edits and reactions, in our markdown", async () => {
    expect(first.messages).toEqual({ imported: IMPORTED_MESSAGES, existing: 0, replies: 2 });
    expect(first.reactions).toBe(5);
    const hello = await byBody("Hello **team**, read [the handbook](https://example.com/handbook) & say hi");
    expect(hello.userId).toBe(await local("user", "U0ALICE"));
    expect(hello.createdAt).toEqual(at(slackTs(0, 1)));
    const thumbs = await db().select().from(reactions).where(eq(reactions.messageId, hello.id));
    expect(thumbs.map((r) => r.emoji)).toEqual(["👍", "👍"]);
    expect(thumbs.map((r) => r.userId).sort()).toEqual(
      [await local("user", "U0BOB"), await local("user", "U0CAROL")].sort(),
    );

    const root = await byBody("Where should the offsite be?");
    const reply = await byBody("Lisbon!");
    const broadcast = await byBody("Lisbon gets my vote too");
    expect([reply.parentId, broadcast.parentId]).toEqual([root.id, root.id]);
    expect(reply.userId).toBe(await local("user", "U0BOB"));
    expect(reply.createdAt).toEqual(at(slackTs(0, 11)));

    const edited = await byBody("The quarterly numbers are in ~~draft~~ final form");
    expect(edited.editedAt).toEqual(at(slackTs(1, 5)));
    const bot = await byBody("Build **passed** on main");
    const [ci] = await db()
      .select()
      .from(users)
      .where(eq(users.id, bot.userId as string));
    expect(ci).toMatchObject({ displayName: "CI", kind: "bot" });
    // Ids follow the Slack ts, so history pages in Slack's order.
    const general = await db()
      .select({ id: messages.id, at: messages.createdAt })
      .from(messages)
      .where(eq(messages.channelId, hello.channelId))
      .orderBy(messages.id);
    expect(general.map((m) => m.at.getTime())).toEqual(
      general.map((m) => m.at.getTime()).sort((a, b) => a - b),
    );
  });

  test("a deleted Slack user's messages stay theirs", async () => {
    const last = await byBody("Last day here, the wiki password rotation is done");
    expect(last.userId).toBe(await local("user", "U0DAVE"));
  });

  test("a file in the export becomes an attachment; a missing one is reported, not fatal", async () => {
    expect(first.files).toEqual({ stored: 1, existing: 0, missing: 1 });
    const photo = await byBody("the team photo");
    const [file] = await db().select().from(attachments).where(eq(attachments.messageId, photo.id));
    expect(file).toMatchObject({ filename: "team.png", contentType: "image/png", width: 1, height: 1 });
    expect(await t.store.head(file?.thumbKey as string)).not.toBeNull();
    const stored = await t.store.get(file?.storageKey as string);
    const bytes = new Uint8Array(await new Response(stored?.body).arrayBuffer());
    expect([...bytes]).toEqual([...(buildSlackExport().files.F0PHOTO as { body: Uint8Array }).body]);
    const minutes = await byBody("minutes attached");
    expect(await db().select().from(attachments).where(eq(attachments.messageId, minutes.id))).toEqual([]);
    const missing = first.skipped.find((s) => s.reason === "file missing from the export");
    expect(missing?.count).toBe(1);
    expect(missing?.examples[0]).toContain("F0MISSING");
  });

  test("join/leave and rename notices are counted as skipped, not imported", async () => {
    const reasons = Object.fromEntries(first.skipped.map((s) => [s.reason, s.count]));
    expect(reasons["join/leave notice (system noise)"]).toBe(2);
    expect(reasons["rename notice (the channel has its current name)"]).toBe(1);
    expect(
      await db()
        .select()
        .from(messages)
        .where(inArray(messages.bodyMd, ["@carol has joined the channel"])),
    ).toEqual([]);
  });

  test("a non-member cannot read imported private history, nor find it by search; a member can", async () => {
    const secret = await local("conversation", "G0SECRET");
    const carol = await claim("U0CAROL");
    const bob = await claim("U0BOB");
    expect((await t.call(carol, "GET", `/api/channels/${secret}/messages`)).status).toBe(404);
    expect((await t.call(owner, "GET", `/api/channels/${secret}/messages`)).status).toBe(404);
    const search = (who: Person, q: string) =>
      t.json<{ items: { body_md?: string; snippet?: string }[] }>(who, "GET", `/api/search?q=${q}`);
    expect((await search(carol, "pineapple")).items).toEqual([]);
    expect((await search(owner, "pineapple")).items).toEqual([]);
    const page = await t.json<Page>(bob, "GET", `/api/channels/${secret}/messages`);
    expect(page.items.map((m) => m.body_md)).toContain("The launch codeword is pineapple");
    expect((await search(bob, "pineapple")).items).toHaveLength(1);
  });

  test("search finds imported messages", async () => {
    const found = await t.json<{ items: unknown[] }>(owner, "GET", "/api/search?q=handbook&community=acme");
    expect(found.items).toHaveLength(1);
  });

  test("nothing imported is unread, for anyone", async () => {
    const bob = await claim("U0BOB");
    for (const who of [owner, bob]) {
      const list = await t.json<{ items: ChannelItem[] }>(
        who,
        "GET",
        "/api/communities/acme/channels?joined=true",
      );
      expect(list.items.length).toBeGreaterThan(0);
      expect(list.items.map((c) => [c.name, c.unread_count])).toEqual(list.items.map((c) => [c.name, 0]));
    }
    const dms = await t.json<{ items: ChannelItem[] }>(bob, "GET", "/api/dm");
    expect(dms.items).toHaveLength(2);
    expect(dms.items.map((c) => c.unread_count)).toEqual([0, 0]);
  });

  test("a second run of the same export adds nothing", async () => {
    const before = await tableCounts();
    const again = await run();
    expect(await tableCounts()).toEqual(before);
    expect(again.users).toEqual({ created: 0, existing: 5, deactivated: 0 });
    expect(again.conversations).toMatchObject({ created: 0, existing: 5 });
    expect(again.messages).toEqual({ imported: 0, existing: IMPORTED_MESSAGES, replies: 0 });
    expect(again.reactions).toBe(0);
    expect(again.files).toEqual({ stored: 0, existing: 1, missing: 1 });
  });

  test("running it again leaves what was posted here since unread", async () => {
    const bob = await claim("U0BOB");
    const general = await local("conversation", "C0GENERAL");
    await t.json(bob, "POST", `/api/channels/${general}/messages`, { body_md: "posted after the import" });
    const unread = async () =>
      (
        await t.json<{ items: ChannelItem[] }>(owner, "GET", "/api/communities/acme/channels?joined=true")
      ).items.find((c) => c.id === general)?.unread_count;
    expect(await unread()).toBe(1);
    await run();
    expect(await unread()).toBe(1);
  });

  describe("claiming a placeholder", () => {
    const claimLink = async (slackId: string) => {
      const id = await local("user", slackId);
      const [user] = await db().select().from(users).where(eq(users.id, id));
      const url = await doCreateClaimInvite(
        db(),
        communityId,
        user as typeof users.$inferSelect,
        "http://chat.test",
        {},
      );
      return url.split("/invite/")[1] as string;
    };
    const person = { username: "someone-else", display_name: "Someone" };

    test("a claim link signs its person in as the imported account, with its private history", async () => {
      const code = await claimLink("U0ALICE");
      const { token, user } = await doJoinAsNewPerson(db(), code, person, {});
      expect(user.id).toBe(await local("user", "U0ALICE"));
      expect(user.username).toBe("alice");
      const secret = await local("conversation", "G0SECRET");
      const page = await t.json<Page>(token, "GET", `/api/channels/${secret}/messages`);
      expect(page.items.map((m) => m.body_md)).toContain("The launch codeword is pineapple");
      expect(await db().select().from(users).where(eq(users.username, "someone-else"))).toEqual([]);
      // Spent: a second person cannot become alice too.
      const again = await doJoinAsNewPerson(db(), code, { ...person, username: "mallory" }, {}).catch(
        (e: Error) => e,
      );
      expect(again).toBeInstanceOf(Error);
      expect(await db().select().from(users).where(eq(users.username, "mallory"))).toEqual([]);
    });

    test("a provider's identity signing in through a claim link is linked to the imported account", async () => {
      const code = await claimLink("U0DAVE");
      const login = await doOAuthLogin(db(), {
        provider: "github",
        profile: {
          id: "gh-4242",
          login: "dave-gh",
          name: "Dave",
          email: "dave@example.com",
          avatarUrl: null,
        },
        inviteCode: code,
        setupToken: null,
        meta: {},
      });
      expect(login.user.id).toBe(await local("user", "U0DAVE"));
      expect(login.inviteProblem).toBeNull();
      const me = await t.json<{ id: string; username: string }>(login.token, "GET", "/api/me");
      expect(me).toMatchObject({ id: await local("user", "U0DAVE"), username: "dave" });
    });

    test("an existing account cannot spend a claim link; claimed, bot and non-imported accounts get none", async () => {
      // Carol unclaimed again, whatever earlier tests did with her.
      await db()
        .update(users)
        .set({ deactivatedAt: new Date() })
        .where(eq(users.id, await local("user", "U0CAROL")));
      const code = await claimLink("U0CAROL");
      const taken = await doAcceptInvite(db(), code, owner.id).catch((e: Error) => e);
      expect(String(taken)).toContain("claims an imported account");
      const { user } = await doJoinAsNewPerson(db(), code, person, {});
      expect(user.username).toBe("carol");
      expect(String(await claimLink("U0CAROL").catch((e: Error) => e))).toContain("claimed already");
      expect(String(await claimLink("U0BOT").catch((e: Error) => e))).toContain(
        "not a person imported from Slack",
      );
      const [me] = await db().select().from(users).where(eq(users.id, owner.id));
      const refused = await doCreateClaimInvite(
        db(),
        communityId,
        me as typeof users.$inferSelect,
        "http://chat.test",
        {},
      ).catch((e: Error) => e);
      expect(String(refused)).toContain("not a person imported from Slack");
    });
  });
});
