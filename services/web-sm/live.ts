import type { Envelope } from "../../lib/bus/envelope.ts";
import { html, type SafeHtml } from "../../lib/http/html.ts";
import type { SseEvent } from "../../lib/http/sse.ts";
import type { SharedChannels } from "../../lib/live/community-channels.ts";
import type { LiveContext, UnreadCounts } from "../../lib/live/context.ts";
import type { LiveItem } from "../../lib/live/hub.ts";
import type { Message, Notification, Reaction } from "./api-types.ts";
import { names } from "./shell.ts";
import { type Counts, TabCounts } from "./tab-counts.ts";
import { ephemeralReply } from "./views/channel.ts";
import { badges, presenceDot } from "./views/layout.ts";
import { markdown, messageItem, reactions, repliesLink, tombstone } from "./views/message.ts";

/** One tab: what it shows, and its reader's sidebar counts, which decide how an event is drawn for it. */
interface Tab {
  /** The channel or DM open in the tab's pane. */
  channelId: string | null;
  readerId: string;
  /** The reader's counts in each of their channels and DMs, as of bus position `seq`. */
  counts: TabCounts;
  seq: number;
}

const partial = (target: string, swap: string, body: SafeHtml | string) =>
  html`<hx-partial hx-target="${target}" hx-swap="${swap}">${body}</hx-partial>`.value;

// The fragments used last: one event reaches every open tab in one synchronous pass, so each is
// rendered once per variant rather than once per tab. A hit moves to the back, so an event's own
// fragment stays while its readers' many badge variants come and go.
const cache = new Map<string, unknown>();
function cached<T>(key: string, make: () => T): T {
  const value = (cache.get(key) as T | undefined) ?? make();
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > 64) cache.delete(cache.keys().next().value as string);
  return value;
}

/** How an event of the open channel looks: the same in every tab showing it. */
function inChannel(event: Envelope): string | null {
  const d = event.data as Record<string, unknown>;
  const replies = (parentId: unknown) =>
    partial(`#rc-${parentId}`, "outerHTML", repliesLink(String(parentId), Number(d.thread_reply_count ?? 0)));
  switch (event.type) {
    case "message.created": {
      const m = d.message as Message;
      if (!m.parent_id) return partial("#messages", "upsert key:data-key", messageItem(m));
      return `${partial(`#replies-${m.parent_id}`, "upsert key:data-key", messageItem(m, { thread: true }))}${replies(m.parent_id)}`;
    }
    case "message.updated": {
      const m = d.message as Message;
      const thread = m.parent_id !== null;
      return `${partial(`#msg-${m.id}`, "outerHTML", messageItem(m, { thread }))}${
        thread ? "" : partial(`#tp-${m.id}`, "outerHTML", messageItem(m, { prefix: "tp", thread: true }))
      }`;
    }
    case "message.deleted": {
      const id = String(d.message_id);
      if (d.parent_id)
        return `${partial(`#msg-${id}`, "outerHTML", tombstone(id, 0, { thread: true }))}${replies(d.parent_id)}`;
      const count = Number(d.thread_reply_count ?? 0);
      return `${partial(`#msg-${id}`, "outerHTML", tombstone(id, count))}${partial(`#tp-${id}`, "outerHTML", tombstone(id, count, { prefix: "tp", thread: true }))}`;
    }
    case "reaction.added":
    case "reaction.removed": {
      const id = String(d.message_id);
      return partial(`#reactions-${id}`, "outerHTML", reactions(id, (d.reactions ?? []) as Reaction[]));
    }
    case "channel.updated":
      return partial(
        "#channel-topic",
        "innerHTML",
        (d.channel as { topic?: string } | undefined)?.topic ?? "",
      );
    default:
      return null;
  }
}

/**
 * A change to the reader's counts in a channel, drawn as its sidebar badges (cached by what they
 * show, so readers with the same counts share one rendering). Events already in the counts' seed
 * change nothing; nor is the open channel's entry ever drawn unread: this tab reads what arrives there.
 */
function recount(tab: Tab, seq: number | undefined, channelId: string, change: (c: Counts) => Counts) {
  const before = tab.counts.get(channelId);
  if (!before || seq === undefined || seq <= tab.seq) return null;
  const after = change(before);
  tab.counts.set(channelId, after);
  if (channelId === tab.channelId || (after.unread === before.unread && after.mentions === before.mentions))
    return null;
  return cached(`badges:${channelId}:${after.unread}:${after.mentions}`, () =>
    partial(`#badges-${channelId}`, "outerHTML", badges(channelId, after)),
  );
}

/** A message elsewhere: one more unread (your own marks the channel read), or a new DM to list. */
function messageElsewhere(tab: Tab, event: Envelope, seq: number | undefined): SseEvent | SseEvent[] {
  const m = event.data.message as Message;
  const mine = m.author.id === tab.readerId;
  if (m.parent_id) return { event: "seen", id: seq, data: "" };
  const audience = event.data.audience;
  if (!tab.counts.has(m.channel_id) && !mine && Array.isArray(audience) && audience.includes(tab.readerId)) {
    // A conversation the sidebar does not list yet (a new DM): counted from here, drawn by a refetch.
    tab.counts.set(m.channel_id, { unread: 1, mentions: 0 });
    return { event: "sidebar", id: seq, data: "" };
  }
  const unread = () => (tab.counts.get(m.channel_id)?.unread ?? 0) > 0;
  const was = unread();
  const data = recount(tab, seq, m.channel_id, (c) =>
    mine ? { ...c, unread: 0 } : c.muted ? c : { ...c, unread: c.unread + 1 },
  );
  if (!data) return { event: "seen", id: seq, data: "" };
  // A channel turned unread (or read): the bell's refetch redraws the tab's title and icon.
  return was === unread()
    ? { id: seq, data }
    : [
        { id: seq, data },
        { event: "counts", data: event.type },
      ];
}

/** The reader's own notifications and reads: their badges here, and the bell refetches its count. */
function countsChanged(tab: Tab, event: Envelope, seq: number | undefined): SseEvent[] {
  let fragments: (string | null)[] = [];
  if (event.type === "notification.created") {
    const n = event.data.notification as Notification;
    if (n.channel_id && (n.type === "mention" || n.type === "dm"))
      fragments = [recount(tab, seq, n.channel_id, (c) => ({ ...c, mentions: c.mentions + 1 }))];
  } else {
    fragments = ((event.data.counts ?? []) as UnreadCounts[]).map((c) =>
      recount(tab, seq, c.channel_id, () => ({
        unread: c.unread_count,
        mentions: c.mention_count,
        muted: c.muted,
      })),
    );
  }
  const data = fragments.filter((f) => f !== null).join("");
  return [
    ...(data ? [{ data }] : []),
    ...desktop(tab, event, seq),
    { event: "counts", id: seq, data: event.type },
  ];
}

const DESKTOP_WHAT: Record<string, string> = {
  mention: "mentioned you",
  dm: "sent you a message",
  thread_reply: "replied in a thread",
  message: "posted",
};

/**
 * What the page may show as a desktop notification (it does only while hidden, with permission):
 * a notification that rings, for a mention, DM, thread reply or a channel set to every message.
 * Not on a replay: a reconnecting tab must not pop up what it already showed.
 */
function desktop(tab: Tab, event: Envelope, seq: number | undefined): SseEvent[] {
  if (event.type !== "notification.created" || event.data.ring === false) return [];
  if (seq !== undefined && seq <= tab.seq) return [];
  const n = event.data.notification as Notification;
  if (n.type === "system" && n.data.kind === "reminder") {
    const data = { title: "Reminder", body: String(n.data.text ?? ""), tag: n.id, url: "/notifications" };
    return [{ event: "desktop", data: JSON.stringify(data) }];
  }
  const what = DESKTOP_WHAT[n.type];
  if (!what) return [];
  const who = (n.actor_id && names.get(n.actor_id)) || "Someone";
  const where = n.data.channel_name && n.data.community_id ? ` in #${String(n.data.channel_name)}` : "";
  const body = typeof event.data.preview === "string" ? event.data.preview : "";
  const url = n.source_id ? `/m/${n.source_id}` : "/notifications";
  return [
    { event: "desktop", data: JSON.stringify({ title: `${who} ${what}${where}`, body, tag: n.id, url }) },
  ];
}

function forEvent(tab: Tab, event: Envelope, seq: number | undefined): SseEvent | SseEvent[] | null {
  const d = event.data as Record<string, unknown>;
  switch (event.type) {
    case "typing.start":
    case "typing.stop": {
      if (event.channel_id !== tab.channelId) return null;
      const userId = String(event.actor_id);
      const data =
        event.type === "typing.start"
          ? partial(
              "#typing",
              "upsert",
              html`<span id="typing-${userId}" class="typer">${names.get(userId) ?? "Someone"} is typing…</span>`,
            )
          : partial(`#typing-${userId}`, "delete", "");
      return { data };
    }
    case "channel.read":
    case "notification.created":
    case "notification.read":
      return countsChanged(tab, event, seq);
    case "saved.added":
    case "saved.removed":
      return { event: "saved", id: seq, data: "" };
    case "message.pinned":
    case "message.unpinned":
      return { event: event.channel_id === tab.channelId ? "pins" : "seen", id: seq, data: "" };
    case "notify.preferences":
      return [...countsChanged(tab, event, seq), { event: "sidebar", data: event.type }];
    case "command.replied":
      // A custom command's later ephemeral answer: only its typer's tabs get it, drawn where they typed.
      if (event.channel_id !== tab.channelId) return { event: "seen", id: seq, data: "" };
      return { id: seq, data: ephemeralReply(markdown(String(d.reply_md ?? "")), true).value };
  }
  if (event.channel_id && event.channel_id === tab.channelId) {
    // The same event object for every tab: it is encoded once (lib/http/sse.ts).
    const shown = cached(`${seq ?? event.timestamp}:${event.type}`, () => {
      const data = inChannel(event);
      return data ? { id: seq, data } : null;
    });
    if (shown) return shown;
  }
  if (event.type === "message.created") return messageElsewhere(tab, event, seq);
  if (event.type.startsWith("channel.") || event.type.startsWith("member.")) {
    if (event.type === "channel.member_left" && d.user_id === tab.readerId && event.channel_id)
      tab.counts.delete(event.channel_id);
    return { event: "sidebar", id: seq, data: event.type };
  }
  // Nothing to draw here: still sent with its id, so a resume starts after it.
  return { event: "seen", id: seq, data: "" };
}

/**
 * One tab's live stream as htmx sees it: fragments drawn by the page's own views (the same for every
 * tab showing them, rendered once), the reader's sidebar badges when their counts change, and named
 * events for the few things the page refetches (the sidebar when channels come and go, the bell).
 */
export function webStream(channelId: string | null) {
  const tab: Tab = { channelId, readerId: "", counts: new TabCounts(), seq: 0 };
  return {
    onContext(context: LiveContext, seq: number, channels: SharedChannels | null) {
      tab.readerId = context.user.id;
      tab.seq = seq;
      tab.counts = new TabCounts(
        channels,
        (context.unread ?? []).map((c) => [
          c.channel_id,
          { unread: c.unread_count, mentions: c.mention_count, muted: c.muted },
        ]),
      );
    },
    render(item: LiveItem, streamId: string): SseEvent | SseEvent[] | null {
      switch (item.kind) {
        case "ready":
          return { event: "ready", id: item.seq, data: streamId };
        case "event":
          return forEvent(tab, item.event, item.seq);
        case "presence":
          return {
            data: item.changes
              .map((c) => partial(`.p-${c.user_id}`, "outerHTML", presenceDot(c.user_id, c.online)))
              .join(""),
          };
        case "resync":
          return { event: "resync", data: item.reason };
        case "closed":
          return { event: "closed", data: item.reason };
      }
    },
  };
}
