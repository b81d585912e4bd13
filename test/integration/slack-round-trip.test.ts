import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import {
  attachments,
  channelMembers,
  channels,
  communities,
  communityMembers,
  messages,
  reactions,
  slackImportIds,
  users,
} from "../../lib/db/schema.ts";
import { slackId } from "../../lib/slack-export/ids.ts";
import { doWriteExportFile } from "../../lib/slack-export/write-file.ts";
import type { ImportReport } from "../../lib/slack-import/report.ts";
import { doImportSlack } from "../../lib/slack-import/run.ts";
import { DB_KINDS, startTestApi } from "../support/api.ts";
import { buildSlackExport, writeSlackExportZip } from "../support/slack-export.ts";

/** A server with its own owner and community `acme`, ready to import into. */
async function server(kind: (typeof DB_KINDS)[number]) {
  const t = await startTestApi(kind);
  const owner = await t.person("owner");
  const { id } = await t.json<{ id: string }>(owner, "POST", "/api/communities", {
    name: "Acme",
    slug: "acme",
  });
  return { t, owner, communityId: id };
}
type Server = Awaited<ReturnType<typeof server>>;

const importInto = (s: Server, zipPath: string) =>
  doImportSlack({
    db: s.t.database.db,
    store: s.t.store,
    communityId: s.communityId,
    zipPath,
    maxUploadBytes: 10 * 1024 * 1024,
  });

async function exportFrom(s: Server, path: string) {
  const db = s.t.database.db;
  const [community] = await db.select().from(communities).where(eq(communities.id, s.communityId));
  if (!community) throw new Error("no community");
  return doWriteExportFile({ db, store: s.t.store }, { kind: "community", community }, path);
}

const sha256 = (bytes: ArrayBuffer) =>
  new Bun.CryptoHasher("sha256").update(new Uint8Array(bytes)).digest("hex");

/**
 * Everything a community holds that an export must carry, in words that do not depend on ids:
 * people by username, conversations by name (DMs by who is in them), messages by author and time
 * with their text, edit, thread, reactions and files (bytes hashed). `leaveOut` are accounts of the
 * server's own making (its owner), not of the Slack history.
 */
async function snapshot(s: Server, leaveOut: Set<string>) {
  const db = s.t.database.db;
  const everyone = await db.select().from(users);
  const nameOf = new Map(everyone.map((u) => [u.id, u.username]));
  const memberRows = await db
    .select({ user: users })
    .from(communityMembers)
    .innerJoin(users, eq(users.id, communityMembers.userId))
    .where(eq(communityMembers.communityId, s.communityId));
  const memberIds = new Set(memberRows.map((r) => r.user.id));
  const people = memberRows
    .map((r) => r.user)
    .filter((u) => !leaveOut.has(u.id))
    .map((u) => ({
      username: u.username,
      displayName: u.displayName,
      kind: u.kind,
      email: u.email,
      deactivated: u.deactivatedAt !== null,
    }))
    .sort((a, b) => a.username.localeCompare(b.username));

  const rows = await db.select().from(channels).orderBy(asc(channels.id));
  const conversations = [];
  for (const c of rows) {
    const members = (
      await db
        .select({ userId: channelMembers.userId })
        .from(channelMembers)
        .where(eq(channelMembers.channelId, c.id))
    ).map((m) => m.userId);
    const ours =
      c.communityId === s.communityId || (c.communityId === null && members.every((m) => memberIds.has(m)));
    if (!ours) continue;
    const names = members
      .filter((m) => !leaveOut.has(m))
      .map((m) => nameOf.get(m) as string)
      .sort();
    const history = await db
      .select()
      .from(messages)
      .where(and(eq(messages.channelId, c.id), isNull(messages.deletedAt)))
      .orderBy(asc(messages.createdAt), asc(messages.id));
    const ids = history.map((m) => m.id);
    const reacted = ids.length
      ? await db.select().from(reactions).where(inArray(reactions.messageId, ids))
      : [];
    const files = ids.length
      ? await db.select().from(attachments).where(inArray(attachments.messageId, ids))
      : [];
    const timeOf = new Map(history.map((m) => [m.id, m.createdAt.toISOString()]));
    const described = [];
    for (const m of history) {
      const mine = files.filter((f) => f.messageId === m.id);
      const fileFacts = [];
      for (const f of mine) {
        const object = await s.t.store.get(f.storageKey);
        fileFacts.push({
          filename: f.filename,
          contentType: f.contentType,
          size: f.sizeBytes,
          sha256: object ? sha256(await new Response(object.body).arrayBuffer()) : "missing",
        });
      }
      described.push({
        author: m.userId ? nameOf.get(m.userId) : null,
        at: m.createdAt.toISOString(),
        body: m.bodyMd,
        edited: m.editedAt?.toISOString() ?? null,
        thread: m.parentId ? (timeOf.get(m.parentId) ?? "elsewhere") : null,
        reactions: reacted
          .filter((r) => r.messageId === m.id)
          .map((r) => `${r.emoji} ${nameOf.get(r.userId)}`)
          .sort(),
        files: fileFacts,
      });
    }
    conversations.push({
      key: c.communityId ? `#${c.name}` : `${c.type}:${names.join(",")}`,
      type: c.type,
      visibility: c.visibility,
      topic: c.topic,
      archived: c.archivedAt !== null,
      members: names,
      messages: described,
    });
  }
  conversations.sort((a, b) => a.key.localeCompare(b.key));
  return { people, conversations };
}

// The round trip: a Slack export (built by the test, every shape the import handles) is
// imported into server A, A's community is exported, and that export is imported into a fresh
// server B. B must hold what A holds: people, channels and members, messages with their authors
// and times, threads, reactions, edits and files.
describe.each(DB_KINDS)("Slack export → A → export → B on %s", (kind) => {
  let a: Server;
  let b: Server;
  let dir: string;
  let intoB: ImportReport;
  let snapA: Awaited<ReturnType<typeof snapshot>>;
  let snapB: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "slack-round-trip-"));
    [a, b] = await Promise.all([server(kind), server(kind)]);
    await writeSlackExportZip(buildSlackExport(), join(dir, "slack.zip"));
    await importInto(a, join(dir, "slack.zip"));
    await exportFrom(a, join(dir, "from-a.zip"));
    intoB = await importInto(b, join(dir, "from-a.zip"));
    // B's stand-in for A's owner came with the export: it is A's account, not the Slack team's.
    const [aOwnerInB] = await b.t.database.db
      .select({ id: slackImportIds.localId })
      .from(slackImportIds)
      .where(
        and(
          eq(slackImportIds.communityId, b.communityId),
          eq(slackImportIds.slackId, slackId("user", a.owner.id)),
        ),
      );
    snapA = await snapshot(a, new Set([a.owner.id]));
    snapB = await snapshot(b, new Set([b.owner.id, aOwnerInB?.id as string]));
  });
  afterAll(async () => {
    await Promise.all([a?.t.close(), b?.t.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("A holds the Slack history (so the comparison below compares something)", () => {
    expect(snapA.people.map((p) => p.username)).toEqual(
      expect.arrayContaining(["alice", "bob", "carol", "dave"]),
    );
    const general = snapA.conversations.find((c) => c.key === "#general");
    expect(general?.messages.length).toBeGreaterThan(5);
    expect(general?.messages.some((m) => m.thread)).toBe(true);
    expect(general?.messages.some((m) => m.reactions.length > 1)).toBe(true);
    expect(general?.messages.some((m) => m.edited)).toBe(true);
    expect(general?.messages.some((m) => m.files.some((f) => f.sha256 !== "missing"))).toBe(true);
    expect(snapA.conversations.map((c) => c.type).sort()).toEqual(expect.arrayContaining(["dm", "group_dm"]));
    expect(snapA.conversations.find((c) => c.key === "#secret-plans")?.visibility).toBe("private");
  });

  test("B imports A's export with nothing skipped", () => {
    expect(intoB.skipped).toEqual([]);
    expect(intoB.files.missing).toBe(0);
  });

  test("B has the same people", () => {
    expect(snapB.people).toEqual(snapA.people);
  });

  test("B has the same conversations with the same members and topics", () => {
    expect(snapB.conversations.map(({ messages: _, ...c }) => c)).toEqual(
      snapA.conversations.map(({ messages: _, ...c }) => c),
    );
  });

  test("B has the same messages: authors, times, text, edits, threads, reactions and files", () => {
    for (const conversation of snapA.conversations) {
      const there = snapB.conversations.find((c) => c.key === conversation.key);
      expect({ key: conversation.key, messages: there?.messages }).toEqual({
        key: conversation.key,
        messages: conversation.messages,
      });
    }
  });
});
