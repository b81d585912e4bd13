import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { messages, reactions } from "../db/schema.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { ImportedConversation } from "./conversations.ts";
import { type FileToStore, storeFiles } from "./files.ts";
import { idFromTs } from "./ids.ts";
import { type ParsedSlackMessage, slackMessage, tsToDate } from "./model.ts";
import type { ImportReport } from "./report.ts";
import { bodyMarkdown, botName, noticeReason, reactionEmoji } from "./translate.ts";
import { botAccount, type PeopleMap } from "./users.ts";
import type { ExportZip } from "./zip.ts";

/** What the message import of every conversation shares. */
export interface MessageContext {
  db: Db;
  store: ObjectStore;
  zip: ExportZip;
  communityId: string;
  people: PeopleMap;
  bots: PeopleMap;
  /** Slack user id → local username, for `<@U…>` in text. */
  usernames: Map<string, string>;
  /** Slack file id → its entry in the export. */
  uploads: Map<string, string>;
  /** Conversation folder → its daily files, oldest first. */
  days: Map<string, string[]>;
  maxUploadBytes: number;
  report: ImportReport & { skip(reason: string, example: string): void };
}

type MessageInsert = typeof messages.$inferInsert;

const BATCH = 500;
const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;

/**
 * Imports one conversation's daily files, oldest first, a day at a time (so memory holds one day):
 * messages with their authors, times, edits and thread, reactions, and the files the export has.
 * Ids come from the Slack ts, so what an earlier run imported is skipped by the database.
 * Returns how many messages were new.
 */
export async function doImportMessages(
  ctx: MessageContext,
  conv: ImportedConversation,
): Promise<{ added: number; newestId: string | null }> {
  const days = ctx.days.get(conv.folder) ?? [];
  // Thread starts seen so far: a reply whose start is elsewhere is looked up in the database.
  const roots = new Set<string>();
  let imported = 0;
  let newestTs: string | null = null;
  for (const day of days) {
    const raw = await ctx.zip.json(day);
    if (!Array.isArray(raw)) {
      ctx.report.skip("a daily file that is not a list of messages", day);
      continue;
    }
    const parsed: ParsedSlackMessage[] = [];
    for (const item of raw) {
      const m = slackMessage.safeParse(item);
      if (m.success) parsed.push(m.data);
      else ctx.report.skip("not a message (no ts)", day);
    }
    parsed.sort((a, b) => Number(a.ts) - Number(b.ts));
    const { added, newest } = await importDay(ctx, conv, parsed, roots);
    imported += added;
    if (newest && (newestTs === null || Number(newest) > Number(newestTs))) newestTs = newest;
  }
  return { added: imported, newestId: newestTs === null ? null : messageIdOf(ctx, conv, newestTs) };
}

/** The id a Slack message of this conversation has here: the same on every run. */
const messageIdOf = (ctx: MessageContext, conv: ImportedConversation, ts: string) =>
  idFromTs(ts, `${ctx.communityId}/${conv.slackId}/${ts}`);

/** Each conversation folder's daily files, in date order: the export's directory indexed once. */
export function dayFilesOf(zip: ExportZip) {
  const days = new Map<string, string[]>();
  for (const name of zip.names()) {
    const slash = name.lastIndexOf("/");
    if (slash <= 0 || !DAY_FILE.test(name.slice(slash + 1))) continue;
    const folder = name.slice(0, slash);
    const list = days.get(folder);
    if (list) list.push(name);
    else days.set(folder, [name]);
  }
  for (const list of days.values()) list.sort();
  return days;
}

async function importDay(
  ctx: MessageContext,
  conv: ImportedConversation,
  day: ParsedSlackMessage[],
  roots: Set<string>,
) {
  const { report } = ctx;
  const idOf = (ts: string) => messageIdOf(ctx, conv, ts);
  const rows: MessageInsert[] = [];
  const reactionRows: (typeof reactions.$inferInsert)[] = [];
  const files: FileToStore[] = [];
  const where = (m: ParsedSlackMessage) => `${conv.label}@${m.ts}`;
  // The day is sorted by ts, so the last message kept is its newest.
  let newestImported: string | null = null;

  const missingParents = day
    .filter((m) => m.thread_ts && m.thread_ts !== m.ts && !roots.has(m.thread_ts))
    .map((m) => idOf(m.thread_ts as string));
  const parentsInDb = missingParents.length
    ? new Set(
        (
          await ctx.db.select({ id: messages.id }).from(messages).where(inArray(messages.id, missingParents))
        ).map((r) => r.id),
      )
    : new Set<string>();

  for (const m of day) {
    const notice = noticeReason(m);
    if (notice) {
      report.skip(notice, where(m));
      continue;
    }
    const bot = botName(m);
    const userId = bot
      ? (m.user && ctx.people.get(m.user)) || (await botAccount(ctx.db, ctx.communityId, ctx.bots, bot))
      : m.user && ctx.people.get(m.user);
    if (!userId) {
      report.skip("author not in users.json", where(m));
      continue;
    }
    const body = bodyMarkdown(m.text, ctx.usernames);
    const fileNames = (m.files ?? []).map((f) => f.name || f.title || f.id).join(", ");
    const bodyMd = body.trim() ? body : fileNames;
    if (!bodyMd.trim()) {
      report.skip("empty message", where(m));
      continue;
    }
    let parentId: string | null = null;
    if (m.thread_ts && m.thread_ts !== m.ts) {
      const candidate = idOf(m.thread_ts);
      if (roots.has(m.thread_ts) || parentsInDb.has(candidate)) parentId = candidate;
      else report.skip("reply whose thread start is not in the export (imported as a message)", where(m));
      if (m.subtype === "thread_broadcast")
        report.skip("thread_broadcast: shown in its thread only (no also-in-channel here)", where(m));
    } else roots.add(m.ts);
    const id = idOf(m.ts);
    const createdAt = tsToDate(m.ts);
    newestImported = m.ts;
    rows.push({
      id,
      channelId: conv.channelId,
      userId,
      parentId,
      bodyMd,
      createdAt,
      editedAt: m.edited ? tsToDate(m.edited.ts) : null,
    });
    for (const r of m.reactions ?? []) {
      const emoji = reactionEmoji(r.name);
      if (!emoji) {
        report.skip("custom emoji reaction (no such emoji here)", `${where(m)} :${r.name}:`);
        continue;
      }
      for (const u of r.users) {
        const reactor = ctx.people.get(u);
        if (reactor) reactionRows.push({ messageId: id, userId: reactor, emoji, createdAt });
        else report.skip("reaction by someone not in users.json", where(m));
      }
    }
    for (const file of m.files ?? []) {
      files.push({
        id: idFromTs(m.ts, `${ctx.communityId}/${conv.slackId}/${m.ts}/file/${file.id}`),
        messageId: id,
        uploaderId: userId,
        file,
      });
    }
  }

  let added = 0;
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      const inserted = await tx
        .insert(messages)
        .values(batch)
        .onConflictDoNothing()
        .returning({ id: messages.id });
      added += inserted.length;
      const fresh = new Set(inserted.map((r) => r.id));
      report.messages.replies += batch.filter((r) => r.parentId && fresh.has(r.id as string)).length;
    }
    for (let i = 0; i < reactionRows.length; i += BATCH) {
      const inserted = await tx
        .insert(reactions)
        .values(reactionRows.slice(i, i + BATCH))
        .onConflictDoNothing()
        .returning({ id: reactions.messageId });
      report.reactions += inserted.length;
    }
  });
  report.messages.imported += added;
  report.messages.existing += rows.length - added;
  await storeFiles(ctx, conv, files);
  return { added, newest: newestImported };
}
