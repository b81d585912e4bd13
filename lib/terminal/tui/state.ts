import {
  type ChannelJson,
  type CommunityJson,
  type DmJson,
  deactivatedMark,
  type MeJson,
  type MemberJson,
  type MessageJson,
  type NotificationJson,
} from "../../client/views.ts";
import type { LiveEvent } from "../live-events.ts";
import { emptyInput, type Input } from "./editor.ts";

/** A row of the sidebar: a channel of the shown community, or a DM. */
export interface SidebarItem {
  id: string;
  kind: "channel" | "dm";
  /** `general`, or the other people's usernames for a DM. */
  label: string;
  unread: number;
  mentions: number;
  /** Muted: new messages add no unread weight and nothing rings. */
  muted?: boolean;
  /** The reader's notification level here (all, mentions, nothing). */
  notify?: string;
  topic: string | null;
  isMember: boolean;
  lastReadId: string | null;
  /** A DM's other people (for presence). */
  people: string[];
}

export type Mode = "chat" | "notifications" | "help" | "list";

/** Everything the TUI shows; changed by loads, by the live stream and by keys. */
export interface TuiState {
  me: MeJson;
  communities: CommunityJson[];
  community: string | null;
  channels: SidebarItem[];
  dms: SidebarItem[];
  members: MemberJson[];
  /** The community's own slash commands' names, completed after the built-ins. */
  customCommands: string[];
  online: Set<string>;
  currentId: string | null;
  /** Loaded top-level messages per channel, oldest first. */
  messages: Map<string, MessageJson[]>;
  /** Whether older messages than the first loaded one exist. */
  olderExists: Map<string, boolean>;
  /** The read position when the channel was opened: the "new" divider goes after it. */
  divider: Map<string, string | null>;
  thread: { root: MessageJson; replies: MessageJson[] } | null;
  /** The message picked with Alt-↑/↓ (reactions and threads act on it); null = the newest. */
  selected: string | null;
  /** Lines scrolled up from the bottom of the message pane. */
  scroll: number;
  input: Input;
  /** Candidates shown after an ambiguous Tab. */
  completions: string[];
  mode: Mode;
  /** What list mode shows: the shown channel's pins, or your saved messages. */
  list: { title: string; messages: MessageJson[] } | null;
  notifications: NotificationJson[];
  unreadNotifications: number;
  /** Who is typing where, until when (ms). */
  typing: Map<string, Map<string, number>>;
  connection: "connecting" | "live" | "reconnecting";
  /** A passing line for the person (a command's answer, an error). */
  flash: { text: string; error: boolean } | null;
  /** Ids of messages already counted, so a message both sent here and echoed by the stream counts once. */
  seen: Set<string>;
  /** Whether `:shortcode:` in messages shows as the emoji (the terminal has the glyphs). */
  emoji: boolean;
}

export function initialState(me: MeJson, emoji = true): TuiState {
  return {
    me,
    emoji,
    communities: [],
    community: null,
    channels: [],
    dms: [],
    members: [],
    customCommands: [],
    online: new Set(),
    currentId: null,
    messages: new Map(),
    olderExists: new Map(),
    divider: new Map(),
    thread: null,
    selected: null,
    scroll: 0,
    input: emptyInput(),
    completions: [],
    mode: "chat",
    list: null,
    notifications: [],
    unreadNotifications: 0,
    typing: new Map(),
    connection: "connecting",
    flash: null,
    seen: new Set(),
  };
}

export const channelItem = (c: ChannelJson): SidebarItem => ({
  id: c.id,
  kind: "channel",
  label: c.name ?? "?",
  unread: c.unread_count ?? 0,
  muted: c.muted ?? false,
  notify: c.notify,
  mentions: c.mention_count ?? 0,
  topic: c.topic,
  isMember: c.is_member,
  lastReadId: c.last_read_message_id,
  people: [],
});

export const dmItem = (d: DmJson, meId: string): SidebarItem => {
  const others = d.members.filter((m) => m.id !== meId);
  return {
    id: d.id,
    kind: "dm",
    label: others.map((m) => `${m.username}${deactivatedMark(m)}`).join(", ") || "yourself",
    unread: d.unread_count ?? 0,
    mentions: d.mention_count ?? 0,
    muted: d.muted ?? false,
    notify: d.notify,
    topic: null,
    isMember: true,
    lastReadId: d.last_read_message_id,
    people: others.map((m) => m.id),
  };
};

export const sidebarItems = (s: TuiState) => [...s.channels.filter((c) => c.isMember), ...s.dms];
export const current = (s: TuiState) =>
  sidebarItems(s).find((i) => i.id === s.currentId) ?? s.channels.find((c) => c.id === s.currentId);

/** What the live stream's event asks of the app beyond the state change. */
export interface EventEffects {
  bell?: boolean;
  /** The sidebar's lists are stale (a new channel or DM, membership changed): reload them. */
  reloadLists?: boolean;
  /** The shown channel got a message: move the read position. */
  markRead?: string;
  /** A line to flash (a custom command's later answer, for its typer only). */
  flash?: string;
}

const mentionsMe = (m: MessageJson, meId: string) =>
  m.mentions.some((x) => x.user_id === meId || x.type === "here" || x.type === "channel");

function updateMessage(s: TuiState, id: string, change: (m: MessageJson) => MessageJson) {
  for (const [channel, list] of s.messages) {
    const i = list.findIndex((m) => m.id === id);
    if (i >= 0) {
      const next = [...list];
      next[i] = change(list[i] as MessageJson);
      s.messages.set(channel, next);
    }
  }
  if (s.thread) {
    if (s.thread.root.id === id) s.thread.root = change(s.thread.root);
    s.thread.replies = s.thread.replies.map((m) => (m.id === id ? change(m) : m));
  }
}

/** Applies one live event to the state (in place) and says what else should happen. */
export function applyEvent(s: TuiState, event: LiveEvent, now = Date.now()): EventEffects {
  const envelope = event.data as {
    channel_id?: string | null;
    actor_id?: string | null;
    data?: Record<string, unknown>;
  };
  const data = envelope?.data ?? {};
  switch (event.event) {
    case "command.replied": {
      if (envelope.channel_id !== s.currentId) return {};
      return {
        flash: `${String(data.command ?? "")}: ${String(data.reply_md ?? "")
          .replace(/[*_`]/g, "")
          .trim()}`,
      };
    }
    case "message.created": {
      const m = data.message as MessageJson | undefined;
      if (!m || s.seen.has(m.id)) return {};
      s.seen.add(m.id);
      s.typing.get(m.channel_id)?.delete(m.author.id ?? "");
      if (m.parent_id) {
        if (s.thread?.root.id === m.parent_id && !s.thread.replies.some((r) => r.id === m.id)) {
          s.thread.replies = [...s.thread.replies, m];
        }
        updateMessage(s, m.parent_id, (p) => ({ ...p, reply_count: p.reply_count + 1 }));
        return {};
      }
      const list = s.messages.get(m.channel_id);
      if (list && !list.some((x) => x.id === m.id)) s.messages.set(m.channel_id, [...list, m]);
      const item = [...s.channels, ...s.dms].find((i) => i.id === m.channel_id);
      // A DM or channel the sidebar does not have yet.
      if (!item) return { reloadLists: true };
      if (m.author.id === s.me.id) return {};
      if (m.channel_id === s.currentId && s.mode === "chat") return { markRead: m.id };
      if (!item.muted) item.unread += 1;
      if (item.notify !== "nothing" && (mentionsMe(m, s.me.id) || item.kind === "dm")) item.mentions += 1;
      return {};
    }
    case "message.updated": {
      const m = data.message as MessageJson | undefined;
      if (m)
        updateMessage(s, m.id, (old) => ({ ...m, reply_count: old.reply_count, reactions: old.reactions }));
      return {};
    }
    case "message.deleted": {
      const id = data.message_id as string;
      updateMessage(s, id, (m) => ({
        ...m,
        deleted: true,
        body_md: "",
        reactions: [],
        attachments: [],
        embeds: null,
      }));
      if (data.parent_id)
        updateMessage(s, data.parent_id as string, (p) => ({
          ...p,
          reply_count: Math.max(0, p.reply_count - 1),
        }));
      return {};
    }
    case "reaction.added":
    case "reaction.removed": {
      const adding = event.event === "reaction.added";
      const emoji = data.emoji as string;
      const userId = data.user_id as string;
      updateMessage(s, data.message_id as string, (m) => ({
        ...m,
        reactions: toggled(m, emoji, userId, adding, s.me.id),
      }));
      return {};
    }
    case "typing.start":
    case "typing.stop": {
      const channel = envelope.channel_id ?? "";
      const user = (data.user_id as string) ?? envelope.actor_id ?? "";
      if (user === s.me.id) return {};
      const map = s.typing.get(channel) ?? new Map<string, number>();
      // Hidden after 15 s of silence, as in the web client (typists repeat "start" every 3 s).
      if (event.event === "typing.start") map.set(user, now + 15_000);
      else map.delete(user);
      s.typing.set(channel, map);
      return {};
    }
    case "presence": {
      for (const c of (event.data as { changes?: { user_id: string; online: boolean }[] }).changes ?? []) {
        if (c.online) s.online.add(c.user_id);
        else s.online.delete(c.user_id);
      }
      return {};
    }
    case "notification.created": {
      const sent = data.notification as NotificationJson | undefined;
      if (!sent) return {};
      // The event carries the preview a list would read (a reminder's words).
      const n = {
        ...sent,
        preview: sent.preview ?? (typeof data.preview === "string" ? data.preview : null),
      };
      s.notifications = [n, ...s.notifications.filter((x) => x.id !== n.id)].slice(0, 200);
      s.unreadNotifications += 1;
      const reminder = n.type === "system" && n.data.kind === "reminder";
      // A muted channel or do-not-disturb keeps the notification but does not ring.
      return { bell: data.ring !== false && (reminder || ["mention", "dm", "message"].includes(n.type)) };
    }
    case "notification.read": {
      const ids = new Set((data.notification_ids as string[]) ?? []);
      let cleared = 0;
      s.notifications = s.notifications.map((n) => {
        if (!ids.has(n.id) || n.read) return n;
        cleared += 1;
        return { ...n, read: true };
      });
      s.unreadNotifications = Math.max(0, s.unreadNotifications - Math.max(cleared, ids.size));
      return {};
    }
    case "channel.read": {
      const item = [...s.channels, ...s.dms].find((i) => i.id === envelope.channel_id);
      if (item) {
        item.unread = 0;
        item.mentions = 0;
        item.lastReadId = (data.message_id as string) ?? item.lastReadId;
      }
      const cleared = new Set((data.notification_ids as string[]) ?? []);
      if (cleared.size)
        applyEvent(s, { event: "notification.read", data: { data: { notification_ids: [...cleared] } } });
      return {};
    }
    case "notify.preferences": {
      const item = [...s.channels, ...s.dms].find((i) => i.id === envelope.channel_id);
      const counts = ((data.counts as { unread_count: number; mention_count: number }[]) ?? [])[0];
      if (item) {
        item.muted = data.muted === true;
        item.notify = data.notify as string;
        if (counts) [item.unread, item.mentions] = [counts.unread_count, counts.mention_count];
      }
      return {};
    }
    case "channel.updated": {
      const channel = data.channel as { id: string; name: string; topic: string | null } | undefined;
      const item = s.channels.find((c) => c.id === channel?.id);
      if (item && channel) {
        item.topic = channel.topic;
        item.label = channel.name;
      }
      return {};
    }
    case "channel.created":
    case "channel.archived":
    case "channel.unarchived":
    case "channel.joined":
    case "channel.left":
    case "channel.member_joined":
    case "channel.member_added":
    case "channel.member_left":
    case "member.joined":
    case "member.removed":
    case "resync":
      return { reloadLists: true };
    default:
      return {};
  }
}

function toggled(m: MessageJson, emoji: string, userId: string, adding: boolean, meId: string) {
  const list = m.reactions.map((r) => ({ ...r, user_ids: [...r.user_ids] }));
  const found = list.find((r) => r.emoji === emoji);
  if (adding) {
    if (found?.user_ids.includes(userId)) return m.reactions;
    if (found) found.user_ids.push(userId);
    else list.push({ emoji, count: 0, reacted_by_me: false, user_ids: [userId] });
  } else if (found) {
    found.user_ids = found.user_ids.filter((id) => id !== userId);
  }
  return list
    .map((r) => ({ ...r, count: r.user_ids.length, reacted_by_me: r.user_ids.includes(meId) }))
    .filter((r) => r.count > 0);
}

/** People typing in a channel now (their usernames). */
export function typingIn(s: TuiState, channelId: string, now = Date.now()): string[] {
  const map = s.typing.get(channelId);
  if (!map) return [];
  const names: string[] = [];
  for (const [user, until] of map) {
    if (until < now) {
      map.delete(user);
      continue;
    }
    names.push(s.members.find((m) => m.user.id === user)?.user.username ?? "someone");
  }
  return names;
}
