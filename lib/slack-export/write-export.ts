import type { Readable } from "node:stream";
import type { Db } from "../db/client.ts";
import { log } from "../log.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import {
  type Conversation,
  conversationEntry,
  LISTS,
  pinnedIds,
  selectConversations,
} from "./conversations.ts";
import { dayOf, microsToTs, slackId } from "./ids.ts";
import { type FileRow, messagePage, pageExtras, slackMessage, uploadPath } from "./messages.ts";
import { writeProfile, writeSaved } from "./person.ts";
import type { ExportScope } from "./scope.ts";
import { writeUsers } from "./users.ts";
import { type EntryWriter, ZipWriter } from "./zip-writer.ts";

export interface ExportCounts {
  conversations: number;
  messages: number;
  files: number;
  users: number;
}

/** What an export reads, and where it may say how far it got (one line per conversation). */
export interface ExportDeps {
  db: Db;
  store: ObjectStore;
  progress?: (line: string) => void;
}

interface Run extends ExportDeps {
  zip: ZipWriter;
  /** Everyone the export names, for users.json: people, not messages, so it stays small. */
  seen: Set<string>;
  counts: ExportCounts;
}

/** A day file being written: its name's day, the entry, and the files its messages carry. */
interface DayFile {
  day: string;
  entry: EntryWriter;
  first: boolean;
  files: FileRow[];
}

async function closeDay(run: Run, open: DayFile) {
  await open.entry.write("\n]\n");
  await open.entry.end();
  // Files go after their day's entry is finished: yazl writes one entry at a time.
  for (const file of open.files) {
    const object = await run.store.get(file.storageKey);
    if (!object) {
      log.warn("a file to export is missing from storage", { attachment_id: file.id });
      continue;
    }
    await run.zip.copy(uploadPath(file), object.body);
    run.counts.files++;
  }
}

/**
 * Streams one conversation into `<folder>/<YYYY-MM-DD>.json` files, a page of messages at a time.
 * Each `ts` is the message's creation time in microseconds, moved on by one microsecond where an
 * earlier message of the conversation already had it, so it is unique there and the same in every
 * export of the same data. Returns the `ts` of the pinned messages.
 */
async function writeConversation(run: Run, c: Conversation, pinned: Set<string>) {
  const pinTs = new Map<string, string>();
  // Thread roots seen so far and their ts: replies come after their root, in id (= time) order.
  const rootTs = new Map<string, string>();
  let last = -1n;
  let open: DayFile | null = null;
  let after: string | null = null;
  for (;;) {
    const page = await messagePage(run.db, c.channel.id, after, c.onlyAuthor);
    if (page.length === 0) break;
    after = (page.at(-1) as { id: string }).id;
    const extras = await pageExtras(run.db, page, c.channel);
    for (const m of page) {
      const own = BigInt(m.micros as string);
      const micros = own > last ? own : last + 1n;
      last = micros;
      const ts = microsToTs(micros);
      if (extras.replies.has(m.id)) rootTs.set(m.id, ts);
      if (pinned.has(m.id)) pinTs.set(m.id, ts);
      const threadTs = m.parentId
        ? (rootTs.get(m.parentId) ?? (m.parentMicros ? microsToTs(BigInt(m.parentMicros)) : null))
        : null;
      const message = slackMessage(m, ts, threadTs, extras, run.seen);
      const day = dayOf(micros);
      // Out-of-order days cannot happen while ids follow time; if they did, the message stays in the open file.
      if (!open || day > open.day) {
        if (open) await closeDay(run, open);
        open = { day, entry: run.zip.open(`${c.folder}/${day}.json`), first: true, files: [] };
      }
      await open.entry.write(`${open.first ? "[\n" : ",\n"}${JSON.stringify(message, null, 2)}`);
      open.first = false;
      open.files.push(...(extras.files.get(m.id) ?? []));
      run.counts.messages++;
    }
  }
  if (open) await closeDay(run, open);
  return pinTs;
}

async function produce(run: Run, scope: ExportScope) {
  const conversations = await selectConversations(run.db, scope);
  const teamId = slackId("team", scope.kind === "community" ? scope.community.id : scope.user.id);
  const pins = new Map<string, Awaited<ReturnType<typeof pinnedIds>>>();
  const pinTs = new Map<string, Map<string, string>>();
  for (const c of conversations) {
    const pinned = await pinnedIds(run.db, c.channel.id);
    pins.set(c.channel.id, pinned);
    const before = run.counts.messages;
    pinTs.set(c.channel.id, await writeConversation(run, c, new Set(pinned.map((p) => p.messageId))));
    run.progress?.(`${c.folder}: ${run.counts.messages - before} messages`);
  }
  for (const file of LISTS) {
    const list = run.zip.array(file);
    for (const c of conversations.filter((c) => c.list === file)) {
      await list.push(
        await conversationEntry(
          run.db,
          c,
          pins.get(c.channel.id) ?? [],
          pinTs.get(c.channel.id) ?? new Map(),
          run.seen,
        ),
      );
    }
    await list.end();
  }
  run.counts.conversations = conversations.length;
  if (scope.kind === "person") {
    await writeProfile(run.db, run.zip, scope.user);
    await writeSaved(run.db, run.zip, scope.user, conversations, run.seen);
  }
  run.counts.users = await writeUsers(run.db, run.zip, scope, teamId, run.seen);
}

/**
 * A Slack workspace export of `scope` as a zip stream (see ExportScope for what each holds):
 * `users.json`, `channels.json`, `groups.json`, `dms.json`, `mpims.json`, a folder of daily files per
 * conversation, and each file's bytes under `__uploads/<file id>/<name>`. Written as the stream is
 * read, a page of messages at a time; `done` settles when it is all written (or failed, in which
 * case the stream fails too, so no truncated zip passes for whole).
 */
export function streamSlackExport(deps: ExportDeps, scope: ExportScope) {
  const zip = new ZipWriter();
  const run: Run = {
    ...deps,
    zip,
    seen: new Set(),
    counts: { conversations: 0, messages: 0, files: 0, users: 0 },
  };
  const done = produce(run, scope).then(
    () => {
      zip.end();
      return run.counts;
    },
    (err) => {
      zip.output.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    },
  );
  done.catch(() => {});
  return { output: zip.output as Readable, done };
}
