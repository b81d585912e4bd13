import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { ZipFile } from "yazl";
import {
  conversationFolder,
  type SlackConversation,
  type SlackMessage,
  type SlackUser,
  UPLOADS_FOLDER,
} from "../../lib/slack-import/model.ts";

/** A Slack workspace export as data: what `writeSlackExportZip` lays out as Slack does. */
export interface SlackExportData {
  users: SlackUser[];
  channels: SlackConversation[];
  groups: SlackConversation[];
  dms: SlackConversation[];
  mpims: SlackConversation[];
  /** Each conversation's messages, by its folder (channel name, DM id, group DM name), oldest first. */
  messages: Record<string, SlackMessage[]>;
  /** File bodies present in the export, by Slack file id (written under `__uploads/<id>/<name>`). */
  files: Record<string, { name: string; body: Uint8Array | string }>;
}

// 2021-03-01 09:00:00 UTC; day n, minute m, and micros keep every ts distinct and readable.
const BASE = Date.UTC(2021, 2, 1, 9, 0, 0) / 1000;
/** A Slack ts on day `day` (0-based from 2021-03-01) at `minute` past 09:00 UTC. */
export const slackTs = (day: number, minute: number, micros = 100) =>
  `${BASE + day * 86400 + minute * 60}.${String(micros).padStart(6, "0")}`;

const PNG_1PX = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);

const person = (id: string, name: string, real: string, extra: Partial<SlackUser> = {}): SlackUser => ({
  id,
  team_id: "T0TEAM",
  name,
  real_name: real,
  deleted: false,
  is_bot: false,
  profile: { real_name: real, display_name: name, email: `${name}@example.com` },
  ...extra,
});

/**
 * A small team with every shape the importer handles: people (one deleted, one bot), a public
 * channel with a topic, a renamed channel, a private channel, a DM and a group DM; threads with a
 * broadcast reply, reactions, an edit, mrkdwn, a bot message with its own name and icon, join/leave
 * noise, a file present in the export and one missing from it.
 *
 * People: alice (U0ALICE), bob (U0BOB), carol (U0CAROL), dave (U0DAVE, deleted), deploybot (U0BOT).
 * Only alice and bob are in #secret-plans; carol is not.
 */
export function buildSlackExport(): SlackExportData {
  const users = [
    person("U0ALICE", "alice", "Alice Archer"),
    person("U0BOB", "bob", "Bob Baker"),
    person("U0CAROL", "carol", "Carol Cook"),
    person("U0DAVE", "dave", "Dave Dunn", { deleted: true }),
    person("U0BOT", "deploybot", "Deploy Bot", { is_bot: true, profile: { real_name: "Deploy Bot" } }),
  ];
  const channels: SlackConversation[] = [
    {
      id: "C0GENERAL",
      name: "general",
      created: BASE - 86400,
      creator: "U0ALICE",
      is_archived: false,
      is_general: true,
      members: ["U0ALICE", "U0BOB", "U0CAROL"],
      topic: { value: "Company-wide announcements", creator: "U0ALICE", last_set: BASE },
      purpose: { value: "Everyone is here", creator: "U0ALICE", last_set: BASE },
    },
    {
      // Renamed from #dev to #engineering: the folder carries the current name.
      id: "C0ENG",
      name: "engineering",
      created: BASE - 86400,
      creator: "U0BOB",
      is_archived: false,
      is_general: false,
      members: ["U0ALICE", "U0BOB"],
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: "Building things", creator: "U0BOB", last_set: BASE },
    },
  ];
  const groups: SlackConversation[] = [
    {
      id: "G0SECRET",
      name: "secret-plans",
      created: BASE - 86400,
      creator: "U0ALICE",
      is_archived: false,
      members: ["U0ALICE", "U0BOB"],
      topic: { value: "Launch planning", creator: "U0ALICE", last_set: BASE },
      purpose: { value: "", creator: "", last_set: 0 },
    },
  ];
  const dms: SlackConversation[] = [{ id: "D0ALICEBOB", created: BASE, members: ["U0ALICE", "U0BOB"] }];
  const mpims: SlackConversation[] = [
    {
      id: "G0MPIM",
      name: "mpdm-alice--bob--carol-1",
      created: BASE,
      creator: "U0CAROL",
      is_archived: false,
      members: ["U0ALICE", "U0BOB", "U0CAROL"],
      topic: { value: "", creator: "", last_set: 0 },
      purpose: { value: "Group messaging", creator: "U0CAROL", last_set: BASE },
    },
  ];

  const threadTs = slackTs(0, 10);
  const general: SlackMessage[] = [
    {
      type: "message",
      subtype: "channel_join",
      ts: slackTs(0, 0),
      user: "U0CAROL",
      text: "<@U0CAROL> has joined the channel",
    },
    {
      type: "message",
      ts: slackTs(0, 1),
      user: "U0ALICE",
      client_msg_id: "0b5a1c52-0000-4000-8000-000000000001",
      text: "Hello *team*, read <https://example.com/handbook|the handbook> &amp; say hi",
      reactions: [{ name: "thumbsup", users: ["U0BOB", "U0CAROL"], count: 2 }],
    },
    {
      type: "message",
      ts: slackTs(0, 2),
      user: "U0DAVE",
      text: "Last day here, the wiki password rotation is done",
    },
    {
      type: "message",
      ts: threadTs,
      thread_ts: threadTs,
      reply_count: 2,
      reply_users: ["U0BOB", "U0CAROL"],
      latest_reply: slackTs(0, 12),
      user: "U0ALICE",
      text: "Where should the offsite be?",
      reactions: [{ name: "tada", users: ["U0ALICE"], count: 1 }],
    },
    {
      type: "message",
      ts: slackTs(0, 11),
      thread_ts: threadTs,
      parent_user_id: "U0ALICE",
      user: "U0BOB",
      text: "Lisbon!",
    },
    {
      type: "message",
      subtype: "thread_broadcast",
      ts: slackTs(0, 12),
      thread_ts: threadTs,
      parent_user_id: "U0ALICE",
      user: "U0CAROL",
      text: "Lisbon gets my vote too",
      reactions: [{ name: "heart", users: ["U0ALICE", "U0BOB"], count: 2 }],
    },
    {
      type: "message",
      subtype: "channel_leave",
      ts: slackTs(0, 20),
      user: "U0DAVE",
      text: "<@U0DAVE> has left the channel",
    },
    {
      type: "message",
      ts: slackTs(1, 0),
      user: "U0BOB",
      text: "The quarterly numbers are in ~draft~ final form",
      edited: { user: "U0BOB", ts: slackTs(1, 5) },
    },
    {
      type: "message",
      subtype: "bot_message",
      ts: slackTs(1, 1),
      bot_id: "B0CI",
      username: "CI",
      icons: { image_48: "https://ci.example.com/icon.png" },
      text: "Build *passed* on main",
    },
    {
      type: "message",
      subtype: "file_share",
      ts: slackTs(1, 2),
      user: "U0ALICE",
      text: "the team photo",
      files: [
        {
          id: "F0PHOTO",
          name: "team.png",
          title: "team.png",
          mimetype: "image/png",
          size: PNG_1PX.length,
          url_private: "https://files.slack.com/files-pri/T0TEAM-F0PHOTO/team.png",
        },
      ],
    },
    {
      // Its file never made it into the export.
      type: "message",
      ts: slackTs(1, 3),
      user: "U0CAROL",
      text: "minutes attached",
      files: [
        {
          id: "F0MISSING",
          name: "minutes.pdf",
          title: "minutes.pdf",
          mimetype: "application/pdf",
          size: 12345,
          url_private: "https://files.slack.com/files-pri/T0TEAM-F0MISSING/minutes.pdf",
        },
      ],
    },
  ];
  const engineering: SlackMessage[] = [
    { type: "message", ts: slackTs(0, 30), user: "U0BOB", text: "Welcome to #dev" },
    {
      type: "message",
      subtype: "channel_name",
      ts: slackTs(0, 31),
      user: "U0BOB",
      old_name: "dev",
      name: "engineering",
      text: '<@U0BOB> has renamed the channel from "dev" to "engineering"',
    },
    { type: "message", ts: slackTs(1, 30), user: "U0ALICE", text: "Deploys go out at `16:00` now" },
  ];
  const secret: SlackMessage[] = [
    { type: "message", ts: slackTs(0, 40), user: "U0ALICE", text: "The launch codeword is pineapple" },
    { type: "message", ts: slackTs(0, 41), user: "U0BOB", text: "Noted, telling nobody" },
  ];
  const dm: SlackMessage[] = [
    { type: "message", ts: slackTs(0, 50), user: "U0ALICE", text: "just between us: the raise is approved" },
    { type: "message", ts: slackTs(0, 51), user: "U0BOB", text: "thank you!" },
  ];
  const mpim: SlackMessage[] = [
    { type: "message", ts: slackTs(1, 50), user: "U0CAROL", text: "lunch at noon?" },
  ];
  return {
    users,
    channels,
    groups,
    dms,
    mpims,
    messages: {
      general,
      engineering,
      "secret-plans": secret,
      [conversationFolder("dm", dms[0] as { id: string })]: dm,
      "mpdm-alice--bob--carol-1": mpim,
    },
    files: { F0PHOTO: { name: "team.png", body: PNG_1PX } },
  };
}

const day = (ts: string) => new Date(Number(ts) * 1000).toISOString().slice(0, 10);

/** The export's entries as Slack lays them out: the lists, then one file per conversation and day. */
export function slackExportEntries(data: SlackExportData): [string, Uint8Array | string][] {
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const entries: [string, Uint8Array | string][] = [
    ["users.json", json(data.users)],
    ["channels.json", json(data.channels)],
    ["groups.json", json(data.groups)],
    ["dms.json", json(data.dms)],
    ["mpims.json", json(data.mpims)],
  ];
  for (const [folder, messages] of Object.entries(data.messages)) {
    const days = new Map<string, SlackMessage[]>();
    for (const m of messages) days.set(day(m.ts), [...(days.get(day(m.ts)) ?? []), m]);
    for (const [date, list] of days) entries.push([`${folder}/${date}.json`, json(list)]);
  }
  for (const [id, file] of Object.entries(data.files))
    entries.push([`${UPLOADS_FOLDER}/${id}/${file.name}`, file.body]);
  return entries;
}

/** Writes the export as a zip at `path`, the way Slack's export download is laid out. */
export async function writeSlackExportZip(data: SlackExportData, path: string): Promise<void> {
  const zip = new ZipFile();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  for (const [name, body] of slackExportEntries(data)) {
    zip.addBuffer(Buffer.from(typeof body === "string" ? Buffer.from(body) : body), name, {
      mtime: new Date(BASE * 1000),
    });
  }
  zip.end();
  await once(out, "close");
}
