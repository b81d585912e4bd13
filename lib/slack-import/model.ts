import { z } from "zod";

// The parts of Slack's workspace export we read. Slack adds fields over the years; unknown ones pass
// through, and every field we do not strictly need is optional, so an export from
// an older or newer Slack still imports.

const topic = z.looseObject({ value: z.string().default("") }).partial();

export const slackUser = z.looseObject({
  id: z.string().min(1),
  name: z.string().default(""),
  real_name: z.string().optional(),
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  is_app_user: z.boolean().optional(),
  profile: z
    .object({
      real_name: z.string().optional(),
      display_name: z.string().optional(),
      email: z.string().optional(),
      image_72: z.string().optional(),
    })
    .partial()
    .optional(),
});
export type SlackUser = z.input<typeof slackUser>;

/** A public channel (channels.json), private channel (groups.json), DM (dms.json) or group DM (mpims.json). */
export const slackConversation = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  created: z.number().optional(),
  creator: z.string().optional(),
  is_archived: z.boolean().optional(),
  is_general: z.boolean().optional(),
  members: z.array(z.string()).default([]),
  topic: topic.optional(),
  purpose: topic.optional(),
});
export type SlackConversation = z.input<typeof slackConversation>;

export const slackFile = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  title: z.string().optional(),
  mimetype: z.string().optional(),
  size: z.number().optional(),
  url_private: z.string().optional(),
  url_private_download: z.string().optional(),
  // Slack writes this for files it no longer has (deleted, or hidden by the plan's limits).
  mode: z.string().optional(),
});
export type SlackFile = z.input<typeof slackFile>;

export const slackReaction = z.object({
  name: z.string().min(1),
  users: z.array(z.string()).default([]),
  count: z.number().optional(),
});

export const slackMessage = z.looseObject({
  type: z.string().optional(),
  subtype: z.string().optional(),
  ts: z.string().regex(/^\d+(\.\d+)?$/),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  username: z.string().optional(),
  icons: z.record(z.string(), z.string()).optional(),
  text: z.string().default(""),
  thread_ts: z.string().optional(),
  parent_user_id: z.string().optional(),
  reply_count: z.number().optional(),
  edited: z.object({ user: z.string().optional(), ts: z.string() }).optional(),
  reactions: z.array(slackReaction).optional(),
  files: z.array(slackFile).optional(),
  client_msg_id: z.string().optional(),
  // channel_name messages: the name before and after a rename.
  old_name: z.string().optional(),
  name: z.string().optional(),
});
export type SlackMessage = z.input<typeof slackMessage>;
export type ParsedSlackMessage = z.output<typeof slackMessage>;

/** Seconds-with-micros `ts` ("1577836800.000100") as a Date (millisecond precision). */
export const tsToDate = (ts: string) => new Date(Math.floor(Number(ts) * 1000));

/** A Date as a Slack `ts` (micros from a sequence number, so several messages in one ms stay apart). */
export const dateToTs = (date: Date, seq = 0) =>
  `${Math.floor(date.getTime() / 1000)}.${String((date.getTime() % 1000) * 1000 + seq).padStart(6, "0")}`;

/** The conversation lists of an export, by the file that holds each. */
export const CONVERSATION_FILES = {
  "channels.json": "public",
  "groups.json": "private",
  "dms.json": "dm",
  "mpims.json": "group_dm",
} as const;
export type ConversationKind = (typeof CONVERSATION_FILES)[keyof typeof CONVERSATION_FILES];

/**
 * The folder holding a conversation's daily files: channels and group DMs by name, DMs by id.
 * Slack exports name the folder after the channel's current name.
 */
export const conversationFolder = (kind: ConversationKind, c: { id: string; name?: string }) =>
  kind === "dm" ? c.id : (c.name ?? c.id);

/** Where files ride along in an export (slackdump's layout): `__uploads/<file id>/<name>`. */
export const UPLOADS_FOLDER = "__uploads";
