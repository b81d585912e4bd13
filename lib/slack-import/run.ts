import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { users } from "../db/schema.ts";
import { invalid } from "../errors.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { doImportConversation, doMarkReadUpTo } from "./conversations.ts";
import { uploadsOf } from "./files.ts";
import { dayFilesOf, doImportMessages } from "./messages.ts";
import { CONVERSATION_FILES, conversationFolder, slackConversation, slackUser } from "./model.ts";
import { type ImportReport, newReport } from "./report.ts";
import { doImportUsers } from "./users.ts";
import { openExportZip } from "./zip.ts";

export interface SlackImportInput {
  db: Db;
  store: ObjectStore;
  communityId: string;
  zipPath: string;
  maxUploadBytes: number;
  /** Called with one line per conversation as it is imported. */
  progress?: (line: string) => void;
}

/** A list of the export (users.json, channels.json, …) as records; a missing list is empty. */
async function list<T>(
  zip: Awaited<ReturnType<typeof openExportZip>>,
  name: string,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  report: ReturnType<typeof newReport>,
): Promise<T[]> {
  const raw = await zip.json(name);
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid(`${name} is not a list`, "bad_export");
  const out: T[] = [];
  for (const item of raw) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
    else report.skip(`an entry of ${name} without an id`, name);
  }
  return out;
}

/**
 * Imports a Slack workspace export into a community: people as placeholders, channels, DMs and
 * group DMs with their members, then each conversation's messages, reactions and files. Safe to run
 * again on the same export (or a later one): what is already here is found by its Slack id and not
 * added twice. Nothing is announced on the bus: imported history is old news, read by everyone.
 */
export async function doImportSlack(input: SlackImportInput): Promise<ImportReport> {
  const { db, communityId } = input;
  const progress = input.progress ?? (() => {});
  const zip = await openExportZip(input.zipPath);
  try {
    const report = newReport();
    if (!zip.has("users.json"))
      throw invalid("this is not a Slack export: it has no users.json", "bad_export");
    const people = await doImportUsers(
      db,
      communityId,
      await list(zip, "users.json", slackUser, report),
      report,
    );
    progress(`people: ${report.users.created} new, ${report.users.existing} already here`);
    const usernames = await usernamesOf(db, people);
    const ctx = {
      db,
      store: input.store,
      zip,
      communityId,
      people,
      bots: new Map<string, string>(),
      usernames,
      uploads: uploadsOf(zip),
      days: dayFilesOf(zip),
      maxUploadBytes: input.maxUploadBytes,
      report,
    };
    for (const [file, kind] of Object.entries(CONVERSATION_FILES)) {
      for (const c of await list(zip, file, slackConversation, report)) {
        const folder = conversationFolder(kind, c);
        const conv = await doImportConversation(db, communityId, kind, folder, c, people, report);
        const { added, newestId } = await doImportMessages(ctx, conv);
        if (newestId) await doMarkReadUpTo(db, conv.channelId, newestId);
        progress(`${conv.label}: ${added} new message${added === 1 ? "" : "s"}`);
      }
    }
    const { skip: _skip, ...plain } = report;
    return { ...plain, skipped: report.skipped };
  } finally {
    zip.close();
  }
}

async function usernamesOf(db: Db, people: Map<string, string>) {
  const ids = [...new Set(people.values())];
  const rows = ids.length
    ? await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, ids))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r.username]));
  return new Map([...people].map(([slackId, id]) => [slackId, byId.get(id) ?? slackId]));
}
