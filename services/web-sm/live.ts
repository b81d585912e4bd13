import type { Envelope } from "../../lib/bus/envelope.ts";
import { html, type SafeHtml } from "../../lib/http/html.ts";
import type { SseEvent } from "../../lib/http/sse.ts";
import type { LiveItem } from "../../lib/live/hub.ts";
import type { Message } from "./api-types.ts";
import { names } from "./shell.ts";
import { presenceDot } from "./views/layout.ts";
import { idTime, messageItem } from "./views/message.ts";

/** What one tab shows, which decides how an event is drawn for it. */
export interface Viewer {
  /** The channel or DM open in the tab's pane. */
  channelId: string | null;
}

const partial = (target: string, swap: string, body: SafeHtml | string) =>
  html`<hx-partial hx-target="${target}" hx-swap="${swap}">${body}</hx-partial>`;

/** A small instruction for the page's script (reply counts, reactions), applied in stream order. */
const bump = (attrs: SafeHtml) => partial("#bumps", "beforeend", html`<i ${attrs}></i>`);

const tombstone = (id: string, prefix: string) =>
  html`<article id="${prefix}-${id}" class="msg deleted" data-key="${idTime(id)}"><p class="tombstone">This message was deleted.</p></article>`;

/** How an event looks in any tab: the parts that do not depend on what the tab shows. */
function shared(event: Envelope): string | null {
  const d = event.data as Record<string, unknown>;
  switch (event.type) {
    case "message.updated": {
      const m = d.message as Message;
      const thread = m.parent_id !== null;
      return html`${partial(`#msg-${m.id}`, "outerHTML", messageItem(m, { thread }))}${
        thread ? "" : partial(`#tp-${m.id}`, "outerHTML", messageItem(m, { prefix: "tp", thread: true }))
      }`.value;
    }
    case "message.deleted": {
      const id = String(d.message_id);
      const parent = d.parent_id ? String(d.parent_id) : null;
      return html`${partial(`#msg-${id}`, "outerHTML", tombstone(id, "msg"))}${partial(`#tp-${id}`, "outerHTML", tombstone(id, "tp"))}${
        parent ? bump(html`data-reply="${parent}" data-delta="-1"`) : ""
      }`.value;
    }
    case "reaction.added":
    case "reaction.removed":
      return bump(
        html`data-react="${String(d.message_id)}" data-emoji="${String(d.emoji)}" data-user="${String(d.user_id)}" data-on="${event.type === "reaction.added" ? "1" : "0"}"`,
      ).value;
    default:
      return null;
  }
}

// The last few fragments: one event reaches every open tab in one synchronous pass, so each is
// rendered once per variant rather than once per tab.
const cache = new Map<string, string | null>();
function cached(key: string, make: () => string | null): string | null {
  if (cache.has(key)) return cache.get(key) as string | null;
  const value = make();
  cache.set(key, value);
  if (cache.size > 64) cache.delete(cache.keys().next().value as string);
  return value;
}

function messageCreated(m: Message, viewer: Viewer, seq: number | undefined): SseEvent | null {
  if (m.parent_id) {
    const data = cached(
      `${seq}:${m.id}:reply`,
      () =>
        html`${partial(`#replies-${m.parent_id}`, "upsert key:data-key", messageItem(m, { thread: true }))}${bump(
          html`data-reply="${m.parent_id}" data-delta="1"`,
        )}`.value,
    );
    return data ? { id: seq, data } : null;
  }
  if (m.channel_id === viewer.channelId) {
    const data = cached(
      `${seq}:${m.id}`,
      () => partial("#messages", "upsert key:data-key", messageItem(m)).value,
    );
    return data ? { id: seq, data } : null;
  }
  // Elsewhere: the page bumps that channel's counts itself (mentions of its reader included), so a
  // busy channel does not make every open tab refetch its sidebar.
  const mentions = (m as Message & { mentions?: { type: string; user_id: string | null }[] }).mentions ?? [];
  const data = JSON.stringify({
    channel_id: m.channel_id,
    author_id: m.author.id,
    mentions: mentions.flatMap((x) => (x.user_id ? [x.user_id] : [])),
    everyone: mentions.some((x) => x.type !== "user"),
  });
  return { event: "unread", id: seq, data };
}

function forEvent(event: Envelope, seq: number | undefined, viewer: Viewer): SseEvent | null {
  const d = event.data as Record<string, unknown>;
  const key = `${seq ?? event.timestamp}:${event.type}`;
  switch (event.type) {
    case "message.created":
      return messageCreated(d.message as Message, viewer, seq);
    case "typing.start":
    case "typing.stop": {
      if (event.channel_id !== viewer.channelId) return null;
      const userId = String(event.actor_id);
      const data =
        event.type === "typing.start"
          ? partial(
              "#typing",
              "upsert",
              html`<span id="typing-${userId}" class="typer">${names.get(userId) ?? "Someone"} is typing…</span>`,
            )
          : partial(`#typing-${userId}`, "delete", "");
      return { data: data.value };
    }
    case "channel.updated":
      if (event.channel_id === viewer.channelId) {
        const topic = (d.channel as { topic?: string } | undefined)?.topic ?? "";
        return { id: seq, data: partial("#channel-topic", "innerHTML", topic).value };
      }
      return { event: "sidebar", id: seq, data: "" };
    case "channel.read":
    case "notification.created":
    case "notification.read":
      return { event: "counts", id: seq, data: event.type };
    default: {
      if (event.type.startsWith("channel.") || event.type.startsWith("member.")) {
        return { event: "sidebar", id: seq, data: event.type };
      }
      const data = cached(key, () => shared(event));
      // Unknown to this page: still sent with its id, so a resume starts after it.
      return data ? { id: seq, data } : { event: "seen", id: seq, data: "" };
    }
  }
}

/** A hub item as one SSE event for one tab: HTML for htmx to swap, or a named event that refetches. */
export function renderForViewer(viewer: Viewer) {
  return (item: LiveItem, streamId: string): SseEvent | null => {
    switch (item.kind) {
      case "ready":
        return { event: "ready", id: item.seq, data: streamId };
      case "event":
        return forEvent(item.event, item.seq, viewer);
      case "presence":
        return {
          data: item.changes
            .map((c) => partial(`.p-${c.user_id}`, "outerHTML", presenceDot(c.user_id, c.online)).value)
            .join(""),
        };
      case "resync":
        return { event: "resync", data: item.reason };
      case "closed":
        return { event: "closed", data: item.reason };
    }
  };
}
