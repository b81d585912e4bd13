import type { Embeds } from "../webhooks/payload.ts";

/**
 * The API's JSON shapes as clients receive them (times are ISO strings). Fields a client does not
 * use may be absent here; the server sends them anyway and `--json` passes them through untouched.
 */

export interface Page<T> {
  items: T[];
  has_more: boolean;
  /** Lists in name order: the next page's `after`. */
  next_cursor?: string | null;
}

/** An integration's delivery (`GET /api/webhooks/:id/deliveries` and the other logs). */
export interface DeliveryJson {
  id: string;
  kind: string;
  at: string;
  ok: boolean;
  status: number | null;
  latency_ms: number;
  dry_run: boolean;
  request: string;
  response: string;
  error: string | null;
}

/** An incoming webhook as its managers see it (never its URL). */
export interface WebhookJson {
  id: string;
  name: string;
  channel_name: string;
  avatar_url: string | null;
  allow_override: boolean;
}

export interface UserJson {
  id: string;
  username: string;
  display_name: string;
  avatar_url: string | null;
  is_bot: boolean;
  deactivated?: boolean;
  online?: boolean;
  /** On a profile (`GET /api/users/:id`): do not disturb until then. */
  dnd_until?: string | null;
}

/** What every client writes after a deactivated person's name; nothing for anyone else. */
export const deactivatedMark = (u: { deactivated?: boolean }) => (u.deactivated ? " (deactivated)" : "");

export interface MeJson extends UserJson {
  email: string | null;
  created_at: string;
  /** Do not disturb until then; null when it is off. */
  dnd_until?: string | null;
}

export interface CommunityJson {
  id: string;
  name: string;
  slug: string;
  role?: string;
  created_at: string;
}

/** A community's own slash command as members see it (for /help and completion). */
export interface CustomCommandJson {
  name: string;
  description: string;
  usage_hint: string;
}

export interface ChannelJson {
  id: string;
  community_id: string | null;
  name: string;
  type: string;
  visibility: string;
  topic: string;
  is_member: boolean;
  last_read_message_id: string | null;
  unread_count?: number;
  mention_count?: number;
  archived_at?: string | null;
  members?: UserJson[];
  /** Your notification level here: all, mentions or nothing. */
  notify?: string;
  muted?: boolean;
}

export interface DmJson extends ChannelJson {
  members: UserJson[];
  last_activity_at: string;
}

/** One of your signed-in sessions (`GET /api/sessions`). */
export interface SessionJson {
  id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

/** A community's bot token as its admins see it; never the secret. */
export interface BotTokenJson {
  id: string;
  bot: { name: string; username: string; user_id: string };
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface MemberJson {
  user: UserJson;
  role: string;
  nickname: string | null;
  joined_at: string;
}

export interface ReactionJson {
  emoji: string;
  count: number;
  reacted_by_me: boolean;
  user_ids: string[];
}

export interface AttachmentJson {
  id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  url: string;
  width?: number | null;
  height?: number | null;
  thumbnail_url?: string | null;
}

/** A link preview card; `image_url` is the server's own copy of the page's picture. */
export interface LinkPreviewJson {
  url: string;
  title: string;
  description: string | null;
  site_name: string | null;
  image_url: string | null;
  image_width?: number | null;
  image_height?: number | null;
}

export interface MessageJson {
  id: string;
  channel_id: string;
  community_id: string | null;
  parent_id: string | null;
  author: {
    id: string | null;
    username: string | null;
    display_name: string;
    avatar_url: string | null;
    /** A webhook post's Slack `icon_emoji`, as the emoji itself: drawn as its face. */
    avatar_emoji?: string | null;
    is_bot: boolean;
    deactivated?: boolean;
    webhook_id?: string;
  };
  body_md: string;
  deleted: boolean;
  embeds: Embeds | null;
  client_msg_id: string | null;
  created_at: string;
  edited_at: string | null;
  reply_count: number;
  reactions: ReactionJson[];
  mentions: { type: string; user_id: string | null; username: string | null }[];
  attachments: AttachmentJson[];
  preview?: LinkPreviewJson | null;
}

export interface NotificationJson {
  id: string;
  type: string;
  source_id: string;
  channel_id: string | null;
  actor_id: string | null;
  data: Record<string, unknown>;
  read: boolean;
  created_at: string;
  preview?: string | null;
  /** Which rule fired (see whyNotified). */
  reason?: string | null;
}

const WHY: Record<string, string> = {
  mention: "you were mentioned",
  channel: "@channel was used",
  here: "@here was used while you were active",
  dm: "a direct message to you",
  thread: "a reply in a thread you are in",
  all: "this channel notifies you of every message",
};

/** "Why was I notified?" in words, the same in every client. */
export const whyNotified = (reason: string | null | undefined) =>
  (reason && WHY[reason]) || "notified before reasons were kept";

export interface SearchPageJson {
  /** `snippet` is HTML: escaped text with the matches in <mark>…</mark>. */
  items: { message: MessageJson; snippet: string; rank: number }[];
  next_cursor: string | null;
}

export interface CommandResultJson {
  ok: boolean;
  reply_md: string;
  effects: { type: string; [key: string]: unknown }[];
}

export interface DeviceStartJson {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** A message's permalink: opening it shows the message in its channel (or its thread) in context. */
export const messageLink = (server: string, messageId: string) =>
  `${server.replace(/\/+$/, "")}/m/${messageId}`;

/** A reminder or a message scheduled to send later (`GET /api/scheduled`). */
export interface ScheduledJson {
  id: string;
  kind: "reminder" | "message";
  channel_id: string | null;
  channel_name: string | null;
  user_id: string | null;
  username: string | null;
  body_md: string;
  send_at: string;
  /** In words, e.g. "every weekday at 09:00"; null for once. */
  repeat: string | null;
  time_zone: string;
  state: "pending" | "sent" | "failed" | "cancelled" | "dismissed";
  failed_reason: string | null;
  message_id: string | null;
  created_at: string;
}
