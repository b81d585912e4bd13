import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IncomingWebhook } from "@slack/webhook";
import { loadConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { communities } from "../../lib/db/schema.ts";
import { boxEnv, runAdmin, uploadFile } from "../support/admin.ts";
import {
  type ChatPerson,
  type ChatServer,
  jsonOver,
  signUp,
  startChatServer,
} from "../support/chat-server.ts";
import { elementsOf } from "../support/html.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { startS3, type TestS3 } from "../support/s3.ts";
import { buildSlackExport, writeSlackExportZip } from "../support/slack-export.ts";
import { runCli } from "../support/terminal.ts";
import { entryJson, unzipAll } from "../support/unzip.ts";

interface SlackUser {
  id: string;
  name: string;
  deleted: boolean;
  real_name: string;
  is_bot: boolean;
  is_owner: boolean;
  profile: { email?: string; display_name: string };
}
interface SlackConversation {
  id: string;
  name?: string;
  created: number;
  creator?: string;
  is_archived?: boolean;
  members: string[];
  topic?: { value: string };
  purpose?: { value: string };
  pins?: { id: string }[];
}
interface SlackMessage {
  type: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  username?: string;
  text: string;
  ts: string;
  thread_ts?: string;
  reply_count?: number;
  replies?: { user: string; ts: string }[];
  reactions?: { name: string; users: string[]; count: number }[];
  edited?: { user: string; ts: string };
  files?: { id: string; name: string; mimetype: string; size: number }[];
}

const DAY_FILE = /^([^/]+)\/(\d{4}-\d{2}-\d{2})\.json$/;

/** All messages of a conversation's folder, its day files in order. */
function folderMessages(entries: Map<string, Buffer>, folder: string): SlackMessage[] {
  return [...entries.keys()]
    .filter((name) => DAY_FILE.exec(name)?.[1] === folder)
    .sort()
    .flatMap((name) => entryJson<SlackMessage[]>(entries, name));
}

const allText = (entries: Map<string, Buffer>) =>
  [...entries.values()].map((b) => b.toString("utf8")).join("\n");

// A team with some of everything, exported by the admin CLI and by each person, read back with yauzl.
describe("Slack-format export", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let carol: ChatPerson;
  let dave: ChatPerson;
  let work: string;
  const ids: Record<string, string> = {};
  const photo = crypto.getRandomValues(new Uint8Array(5000));

  const post = (who: ChatPerson, channel: string, body_md: string, extra: Record<string, unknown> = {}) =>
    chat.api<{ id: string }>(who, "POST", `/api/channels/${channel}/messages`, { body_md, ...extra });
  const admin = (...args: string[]) => runAdmin(boxEnv(chat), ["admin", ...args]);
  const exportOf = async (who: ChatPerson) => {
    const res = await fetch(`${chat.base}/api/me/export`, {
      headers: { authorization: `Bearer ${who.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    return unzipAll(new Uint8Array(await res.arrayBuffer()));
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "slack-export-"));
    chat = await startChatServer();
    alice = chat.owner;
    bob = await chat.invite("bob");
    carol = await chat.invite("carol");
    const { items } = await chat.api<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    ids.general = items.find((c) => c.name === "general")?.id as string;
    await chat.api(alice, "PATCH", `/api/channels/${ids.general}`, { topic: "Company-wide news" });

    // #general: a thread with reactions, mentions and markdown, an edit, a file, a webhook post.
    const root = await post(
      alice,
      ids.general,
      "Hello **team**, @bob read [the docs](https://example.com/docs) ~~now~~ _today_ & say <hi>",
    );
    ids.root = root.id;
    await post(bob, ids.general, "on it", { parent_id: root.id });
    await post(carol, ids.general, "me too", { parent_id: root.id });
    await chat.api(bob, "PUT", `/api/messages/${root.id}/reactions/${encodeURIComponent("👍")}`);
    await chat.api(carol, "PUT", `/api/messages/${root.id}/reactions/${encodeURIComponent("👍")}`);
    await chat.api(alice, "PUT", `/api/messages/${root.id}/reactions/${encodeURIComponent("🎉")}`);
    const edited = await post(bob, ids.general, "numbers are draft");
    ids.edited = edited.id;
    await chat.api(bob, "PATCH", `/api/messages/${edited.id}`, { body_md: "numbers are final" });
    await chat.api(alice, "POST", `/api/messages/${edited.id}/pin`);
    await uploadFile(chat.base, alice.token, ids.general, "team photo.png", photo, "the team photo");
    const made = await chat.api<{ effects: { url: string }[] }>(alice, "POST", "/api/commands", {
      channel_id: ids.general,
      text: "/webhook create #general CI",
    });
    await new IncomingWebhook(made.effects[0]?.url as string).send({
      text: "Build *passed*",
      username: "CI bot",
    });
    await post(carol, ids.general, "carol was here");

    // A private channel of alice and bob; carol is not in it.
    const secret = await chat.api<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name: "secret-plans",
      visibility: "private",
    });
    ids.secret = secret.id;
    await chat.api(alice, "POST", `/api/channels/${secret.id}/members`, { user_id: bob.id });
    await post(alice, secret.id, "the launch codeword is pineapple");
    const noted = await post(bob, secret.id, "noted, telling nobody");
    await chat.api(bob, "PUT", `/api/messages/${noted.id}/saved`);

    // A DM and a group DM.
    const dm = await chat.api<{ id: string }>(alice, "POST", "/api/dm", { user_ids: [bob.id] });
    ids.dm = dm.id;
    await post(alice, dm.id, "just between us: the raise is approved");
    const group = await chat.api<{ id: string }>(carol, "POST", "/api/dm", { user_ids: [alice.id, bob.id] });
    ids.group = group.id;
    await post(carol, group.id, "lunch at noon?");
    await chat.api(carol, "PUT", `/api/messages/${root.id}/saved`);

    // Another community, with a private channel and a DM with someone outside acme.
    await chat.api(alice, "POST", "/api/communities", { name: "Other", slug: "other" });
    const api = jsonOver(chat.base);
    const { url } = await api<{ url: string }>(alice, "POST", "/api/communities/other/invites", {
      max_uses: 1,
    });
    dave = await signUp(api, new URL(url).pathname, "dave");
    const vault = await chat.api<{ id: string }>(alice, "POST", "/api/communities/other/channels", {
      name: "vault",
      visibility: "private",
    });
    await post(alice, vault.id, "the vault combination is kiwi-42");
    const otherGeneral = await chat.api<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/other/channels",
    );
    await post(
      alice,
      otherGeneral.items.find((c) => c.name === "general")?.id as string,
      "other news: mango",
    );
    const daveDm = await chat.api<{ id: string }>(dave, "POST", "/api/dm", { user_ids: [alice.id] });
    await post(dave, daveDm.id, "dave to alice: papaya");
  });
  afterAll(async () => {
    await chat.stop();
    rmSync(work, { recursive: true, force: true });
  });

  describe("ajet-chat admin export acme", () => {
    let entries: Map<string, Buffer>;
    let users: SlackUser[];
    const uid = (who: ChatPerson) => users.find((u) => u.name === who.username)?.id as string;

    beforeAll(async () => {
      const result = await admin("export", "acme", join(work, "acme.zip"));
      // Through the running server's socket too, how far it got comes to stderr: a line a conversation.
      const progress = result.stderr.trimEnd().split("\n");
      expect(progress).toContain("secret-plans: 2 messages");
      for (const line of progress) expect(line).toMatch(/^[\w-]+: \d+ messages?$/);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`exported acme to ${join(work, "acme.zip")}`);
      entries = await unzipAll(join(work, "acme.zip"));
      users = entryJson<SlackUser[]>(entries, "users.json");
    });

    test("the zip is its reader's alone, and no partial file is left", () => {
      expect(statSync(join(work, "acme.zip")).mode & 0o777).toBe(0o600);
      expect(() => statSync(join(work, "acme.zip.partial"))).toThrow();
    });

    test("users.json lists acme's people with Slack-style ids, names, emails and roles, and not dave", () => {
      expect(users.map((u) => u.name).sort()).toEqual(["alice", "bob", "carol"]);
      for (const u of users) expect(u.id).toMatch(/^U[A-Z2-7]{10}$/);
      const a = users.find((u) => u.name === "alice") as SlackUser;
      expect(a).toMatchObject({ deleted: false, is_bot: false, is_owner: true, real_name: "alice" });
      expect(new Set(users.map((u) => u.id)).size).toBe(3);
    });

    test("channels.json and groups.json hold acme's channels with members, topic, creator; the other community's are absent", () => {
      const channels = entryJson<SlackConversation[]>(entries, "channels.json");
      const groups = entryJson<SlackConversation[]>(entries, "groups.json");
      expect(channels.map((c) => c.name)).toEqual(["general"]);
      expect(groups.map((c) => c.name)).toEqual(["secret-plans"]);
      const general = channels[0] as SlackConversation;
      expect(general.id).toMatch(/^C[A-Z2-7]{10}$/);
      expect(general.topic?.value).toBe("Company-wide news");
      expect(general.purpose).toEqual({ value: "", creator: "", last_set: 0 } as never);
      expect(general.creator).toBe(uid(alice));
      expect(general.members.sort()).toEqual([uid(alice), uid(bob), uid(carol)].sort());
      expect(general.created).toBeGreaterThan(1_700_000_000);
      expect(general.pins).toHaveLength(1);
      const secret = groups[0] as SlackConversation;
      expect(secret.id).toMatch(/^G/);
      expect(secret.members.sort()).toEqual([uid(alice), uid(bob)].sort());
    });

    test("dms.json and mpims.json hold the DMs among acme's people only", () => {
      const dms = entryJson<SlackConversation[]>(entries, "dms.json");
      expect(dms).toHaveLength(1);
      expect(dms[0]?.id).toMatch(/^D/);
      expect(dms[0]?.members.sort()).toEqual([uid(alice), uid(bob)].sort());
      const mpims = entryJson<SlackConversation[]>(entries, "mpims.json");
      expect(mpims.map((m) => m.name)).toEqual(["mpdm-alice--bob--carol-1"]);
      expect(folderMessages(entries, dms[0]?.id as string).map((m) => m.text)).toEqual([
        "just between us: the raise is approved",
      ]);
      expect(folderMessages(entries, "mpdm-alice--bob--carol-1").map((m) => m.text)).toEqual([
        "lunch at noon?",
      ]);
    });

    test("messages are in daily files, in order, with unique ts; markdown is mrkdwn and mentions are user ids", () => {
      const names = [...entries.keys()].filter((n) => n.startsWith("general/"));
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) expect(n).toMatch(DAY_FILE);
      const messages = folderMessages(entries, "general");
      const ts = messages.map((m) => m.ts);
      for (const t of ts) expect(t).toMatch(/^\d{10}\.\d{6}$/);
      expect(new Set(ts).size).toBe(ts.length);
      expect([...ts].sort()).toEqual(ts);
      const root = messages[0] as SlackMessage;
      expect(root).toMatchObject({ type: "message", user: uid(alice) });
      expect(root.text).toBe(
        `Hello *team*, <@${uid(bob)}> read <https://example.com/docs|the docs> ~now~ _today_ &amp; say &lt;hi&gt;`,
      );
    });

    test("a thread: the root counts its replies, each reply names the root's ts", () => {
      const messages = folderMessages(entries, "general");
      const root = messages[0] as SlackMessage;
      const replies = messages.filter((m) => m.thread_ts === root.ts && m.ts !== root.ts);
      expect(replies.map((m) => m.text)).toEqual(["on it", "me too"]);
      expect(root.thread_ts).toBe(root.ts);
      expect(root.reply_count).toBe(2);
      expect(root.replies).toEqual(replies.map((r) => ({ user: r.user as string, ts: r.ts })));
    });

    test("reactions carry Slack's names, users and counts", () => {
      const root = folderMessages(entries, "general")[0] as SlackMessage;
      expect(root.reactions).toEqual([
        { name: "+1", users: [uid(bob), uid(carol)], count: 2 },
        { name: "tada", users: [uid(alice)], count: 1 },
      ]);
    });

    test("an edited message is marked edited, after its own ts", () => {
      const m = folderMessages(entries, "general").find(
        (x) => x.text === "numbers are final",
      ) as SlackMessage;
      expect(m.edited?.user).toBe(uid(bob));
      expect(Number(m.edited?.ts)).toBeGreaterThan(Number(m.ts));
      const general = entryJson<SlackConversation[]>(entries, "channels.json")[0] as SlackConversation;
      expect(general.pins?.[0]?.id).toBe(m.ts);
    });

    test("a file is described on its message and its bytes ride along under __uploads/<id>/<name>", () => {
      const m = folderMessages(entries, "general").find((x) => x.files) as SlackMessage;
      expect(m.text).toBe("the team photo");
      const file = m.files?.[0];
      expect(file).toMatchObject({ name: "team photo.png", size: photo.length });
      expect(file?.id).toMatch(/^F/);
      const body = entries.get(`__uploads/${file?.id}/team photo.png`);
      expect(body && new Uint8Array(body)).toEqual(photo);
    });

    test("a webhook's post is a bot_message with a bot id and its name", () => {
      const m = folderMessages(entries, "general").find((x) => x.subtype === "bot_message") as SlackMessage;
      expect(m.text).toBe("Build *passed*");
      expect(m.bot_id).toMatch(/^B/);
      expect(m.username).toBe("CI bot");
      expect(m.user).toBeUndefined();
    });

    test("nothing of the other community or of dave's DM is in it", () => {
      const text = allText(entries);
      for (const secret of ["kiwi-42", "mango", "papaya", "vault", "dave"])
        expect(text).not.toContain(secret);
    });

    test("a second export gives the same ids and ts", async () => {
      const again = await admin("export", "acme", join(work, "again.zip"));
      expect(again.code).toBe(0);
      const second = await unzipAll(join(work, "again.zip"));
      for (const name of ["users.json", "channels.json", "groups.json", "dms.json", "mpims.json"])
        expect(entryJson(second, name)).toEqual(entryJson(entries, name));
      expect(folderMessages(second, "general")).toEqual(folderMessages(entries, "general"));
    });
  });

  describe("a person's own export", () => {
    test("carol's holds her messages, the group DM and her saved item, never the private channel or alice's DM with bob", async () => {
      const entries = await exportOf(carol);
      const profile = entryJson<{ username: string; communities: { slug: string }[] }>(
        entries,
        "profile.json",
      );
      expect(profile.username).toBe("carol");
      expect(profile.communities.map((c) => c.slug)).toEqual(["acme"]);
      expect(entryJson<SlackConversation[]>(entries, "groups.json")).toEqual([]);
      expect(entryJson<SlackConversation[]>(entries, "dms.json")).toEqual([]);
      const channels = entryJson<SlackConversation[]>(entries, "channels.json");
      expect(channels.map((c) => c.name)).toEqual(["acme-general"]);
      const mine = folderMessages(entries, "acme-general");
      expect(mine.map((m) => m.text)).toEqual(["me too", "carol was here"]);
      expect(folderMessages(entries, "mpdm-alice--bob--carol-1").map((m) => m.text)).toEqual([
        "lunch at noon?",
      ]);
      const saved = entryJson<{ channel: string; text: string }[]>(entries, "saved.json");
      expect(saved.map((s) => s.text)).toEqual([
        "Hello *team*, @bob read <https://example.com/docs|the docs> ~now~ _today_ &amp; say &lt;hi&gt;",
      ]);
      const text = allText(entries);
      for (const secret of ["pineapple", "telling nobody", "raise is approved", "kiwi", "papaya", "Build"])
        expect(text).not.toContain(secret);
      // Others are named, never their email.
      for (const u of entryJson<SlackUser[]>(entries, "users.json"))
        if (u.name !== "carol") expect(u.profile.email).toBeUndefined();
    });

    test("bob's holds his DM with alice whole, his own message in the private channel, and what he saved there", async () => {
      const entries = await exportOf(bob);
      expect(entryJson<SlackConversation[]>(entries, "groups.json").map((g) => g.name)).toEqual([
        "acme-secret-plans",
      ]);
      expect(folderMessages(entries, "acme-secret-plans").map((m) => m.text)).toEqual([
        "noted, telling nobody",
      ]);
      const dm = entryJson<SlackConversation[]>(entries, "dms.json")[0] as SlackConversation;
      expect(folderMessages(entries, dm.id).map((m) => m.text)).toEqual([
        "just between us: the raise is approved",
      ]);
      const saved = entryJson<{ text: string; channel: string; channel_id: string }[]>(entries, "saved.json");
      expect(saved.map((s) => s.text)).toEqual(["noted, telling nobody"]);
      const secret = entryJson<SlackConversation[]>(entries, "groups.json")[0] as SlackConversation;
      expect(saved[0]).toMatchObject({ channel: "acme-secret-plans", channel_id: secret.id });
      expect(allText(entries)).not.toContain("pineapple");
    });

    test("the web settings page links to the download, which works with the browser's cookie", async () => {
      const cookie = { cookie: `ajet_session=${carol.token}` };
      const page = await fetch(`${chat.base}/settings?community=acme`, { headers: cookie });
      expect(page.status).toBe(200);
      const link = elementsOf(await page.text()).find(
        (e) => e.tag === "a" && e.attrs.href === "/api/me/export",
      );
      expect(link?.attrs).toHaveProperty("download");
      const res = await fetch(`${chat.base}/api/me/export`, { headers: cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toMatch(
        /^attachment; filename="ajet-chat-carol-\d{4}-\d{2}-\d{2}\.zip"$/,
      );
      const entries = await unzipAll(new Uint8Array(await res.arrayBuffer()));
      expect(entryJson<{ username: string }>(entries, "profile.json").username).toBe("carol");
    });

    test("the export needs a person: no sign-in is 401, a bot token 403", async () => {
      expect((await fetch(`${chat.base}/api/me/export`)).status).toBe(401);
      const made = await chat.api<{ effects: { token: string }[] }>(alice, "POST", "/api/commands", {
        channel_id: ids.general,
        text: "/token create exporter messages:read",
      });
      const token = made.effects.find((e) => e.token)?.token as string;
      const res = await fetch(`${chat.base}/api/me/export`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    });

    test("ajet-chat export --mine writes the same zip to the file named", async () => {
      const path = join(work, "mine.zip");
      const result = await runCli(["export", "--mine", path], {
        env: { AJET_SERVER: chat.base, AJET_TOKEN: carol.token },
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(path);
      const entries = await unzipAll(path);
      expect(entryJson<{ username: string }>(entries, "profile.json").username).toBe("carol");
      expect(statSync(path).mode & 0o777).toBe(0o600);
    });
  });

  describe("bad input is one line and a non-zero exit", () => {
    test.each([
      ["an unknown community", ["export", "nope", "/tmp/never.zip"], 3, /community "nope" not found/],
      [
        "a folder that does not exist",
        ["export", "acme", "/nonexistent-dir/x.zip"],
        1,
        /cannot write \/nonexistent-dir\/x\.zip/,
      ],
      ["no file named", ["export", "acme"], 1, /usage/],
    ])("admin export with %s", async (_, args, code, message) => {
      const result = await admin(...args);
      expect(result.code).toBe(code);
      expect(result.stdout).toBe("");
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });

    test("export without --mine, and --mine to a folder that does not exist", async () => {
      const env = { AJET_SERVER: chat.base, AJET_TOKEN: carol.token };
      const bare = await runCli(["export"], { env });
      expect(bare.code).toBe(1);
      expect(bare.stderr.trimEnd().split("\n")).toHaveLength(1);
      const nowhere = await runCli(["export", "--mine", "/nonexistent-dir/mine.zip"], { env });
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toMatch(/^ajet-chat: cannot write \/nonexistent-dir\/mine\.zip/);
      expect(nowhere.stderr.trimEnd().split("\n")).toHaveLength(1);
    });
  });
});

// With PostgreSQL and S3 configured, the command reads them itself (no server in between), names the
// file relative to the shell, and says how far it got on stderr.
describe("ajet-chat admin export against PostgreSQL and S3", () => {
  let database: TestDatabase;
  let s3: TestS3;
  let env: Record<string, string>;
  let db: Database;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "slack-export-pg-"));
    [database, s3] = await Promise.all([createTestDatabase(), startS3()]);
    env = {
      DATABASE_URL: database.url,
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AJET_DATA_DIR: "/proc/ajet-chat-no-data-dir",
      AJET_LOG_LEVEL: "warn",
    };
    db = await openDatabase(loadConfig(env).database, { migrate: true });
    await db.db.insert(communities).values({ name: "Acme", slug: "acme" });
    await writeSlackExportZip(buildSlackExport(), join(dir, "slack.zip"));
    const imported = await runAdmin(env, [
      "admin",
      "import",
      "slack",
      join(dir, "slack.zip"),
      "--community",
      "acme",
    ]);
    if (imported.code !== 0) throw new Error(`import → ${imported.code}: ${imported.stderr}`);
  });
  afterAll(async () => {
    await db?.close();
    await Promise.all([database?.drop(), s3?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("writes the zip named relative to the shell, a progress line per conversation, files from S3", async () => {
    const result = await runCli(["admin", "export", "acme", "out.zip"], { env, cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toStartWith(`exported acme to ${join(dir, "out.zip")}: 5 conversations`);
    const progress = result.stderr.trim().split("\n");
    expect(progress).toContain("general: 9 messages");
    expect(progress).toContain("secret-plans: 2 messages");
    expect(progress).toHaveLength(5);
    const entries = await unzipAll(join(dir, "out.zip"));
    const photo = (buildSlackExport().files.F0PHOTO as { body: Uint8Array }).body;
    const uploads = [...entries.keys()].filter((n) => n.startsWith("__uploads/"));
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toEndWith("/team.png");
    expect(Buffer.compare(entries.get(uploads[0] as string) as Buffer, Buffer.from(photo))).toBe(0);
  });
});
